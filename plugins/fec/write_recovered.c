/* write_frame 0x2b: RECOVERED { Type (8) = 0x2b, First Packet Number (64), Count (8) }
 * (FRAMES.md) for the packet number in frame_ctx. */
#include "fec.h"

protoop_arg_t write_recovered(picoquic_cnx_t *cnx)
{
    uint64_t pn = get_cnx(cnx, AK_CNX_INPUT, 0);
    host_buffer_t w = get_cnx(cnx, AK_CNX_INPUT, 1);
    if (get_cnx(cnx, AK_CNX_INPUT, 2) < RECOVERED_SIZE) return WRITE_RETRY_NEXT_PACKET;
    uint8_t b[16];
    b[0] = FT_RECOVERED;
    put_be(b + 1, pn, 8);
    b[9] = 1;
    my_memcpy_to_host(w, 0, b, RECOVERED_SIZE);
    set_cnx(cnx, AK_CNX_OUTPUT, 0, RECOVERED_SIZE);
    set_cnx(cnx, AK_CNX_OUTPUT, 1, 1);
    return WRITE_OK;
}
