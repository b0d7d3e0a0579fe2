/* write_frame 0x2a: a REPAIR frame booked by fec_book (window.h; frame_ctx: first id << 16 | count << 8
 * | queue slot), copied as is. */
#include "fec.h"

protoop_arg_t write_repair(picoquic_cnx_t *cnx)
{
    uint64_t ctx = get_cnx(cnx, AK_CNX_INPUT, 0);
    host_buffer_t w = get_cnx(cnx, AK_CNX_INPUT, 1);
    uint64_t max = get_cnx(cnx, AK_CNX_INPUT, 2);
    fec_state_t *st = (fec_state_t *)get_cnx_metadata(cnx, FEC_SLOT);
    if (st == NULL) return WRITE_FAILED;
    fec_out_t *o = &st->rq[(ctx & 0xff) % RQ];
    if (o->in_use != RQ_BOOKED) return WRITE_FAILED;
    uint64_t n = REPAIR_HEADER + o->len;
    if (max < n) return WRITE_RETRY_NEXT_PACKET;
    my_memcpy_to_host(w, 0, o->frame, n);
    o->in_use = RQ_FREE;
    st->repairs_queued--;
    set_cnx(cnx, AK_CNX_OUTPUT, 0, n);
    set_cnx(cnx, AK_CNX_OUTPUT, 1, 1);
    return WRITE_OK;
}
