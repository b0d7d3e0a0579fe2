/* parse_frame 0x2b: RECOVERED. The peer rebuilt these packets of ours: their frames, held
 * back since they were declared lost, count as delivered (fec_peer_recovered). */
#include "fec.h"

protoop_arg_t parse_recovered(picoquic_cnx_t *cnx)
{
    host_buffer_t r = get_cnx(cnx, AK_CNX_INPUT, 0);
    if (host_buffer_length(r) < RECOVERED_SIZE) return 0;
    uint8_t b[16];
    my_memcpy_from_host(b, r, 0, RECOVERED_SIZE);
    host_reader_skip(r, RECOVERED_SIZE);
    uint64_t pn = get_be(b + 1, 8), count = b[9];
    fec_state_t *st = fec_state(cnx);
    for (uint64_t i = 0; i < count; i++) {
        fec_peer_recovered(pn + i);
        if (st != NULL) st->c[FC_PEER_RECOVERED]++;
    }
    return r;
}
