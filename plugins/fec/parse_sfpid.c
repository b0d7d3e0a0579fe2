/* parse_frame 0x29: SOURCE_FPID. The rest of the packet is source symbol `id`: kept, taken out
 * of the repair symbols waiting, and maybe the last piece some of them needed. Returns the
 * reader as the frame (nothing is left to process). */
#include "decoder.h"

protoop_arg_t parse_sfpid(picoquic_cnx_t *cnx)
{
    host_buffer_t r = get_cnx(cnx, AK_CNX_INPUT, 0);
    uint64_t id = fec_reader_sfpid();
    if (id == 0) return 0;
    fec_state_t *st = fec_state(cnx);
    if (st == NULL) return r;
    st->c[FC_RX_SOURCE]++;
    st->peer_fec = 1; /* it sends FEC frames: it parses ours */
    if (id > st->rx_highest) st->rx_highest = id;
    fec_sym_t *s = &st->rw[id % RW];
    if (s->fpid > id) return r; /* older than the window */
    s->fpid = 0;
    uint64_t n = fec_received_symbol(s->data, MAX_SYM);
    if (n == 0) return r;
    s->fpid = id;
    s->len = n;
    fec_eliminate(st, s);
    if (st->rr_active) fec_try_recover(cnx, st);
    return r;
}
