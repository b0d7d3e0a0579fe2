/* write_frame 0x29: SOURCE_FPID { Type (8) = 0x29, Source Symbol ID (32) } (FRAMES.md); the
 * next id goes to this packet, whose bytes after the frame become that source symbol. */
#include "fec.h"

protoop_arg_t write_sfpid(picoquic_cnx_t *cnx)
{
    fec_state_t *st = fec_state(cnx);
    if (st == NULL) return WRITE_FAILED;
    uint64_t from = fec_write_sfpid(st->next_fpid);
    if (from == 0) return WRITE_RETRY_NEXT_PACKET;
    st->sfpid_from = from;
    st->sfpid_written = st->next_fpid++;
    st->sfpid_pending = 0;
    return WRITE_OK;
}
