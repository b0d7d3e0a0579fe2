/* write_frame 0x2a: a REPAIR frame booked by fec_book (window.h; frame_ctx: first id << 16 | count << 8
 * | queue slot), copied as is (fec_write_frame: one helper call instead of six). */
#include "fec.h"

protoop_arg_t write_repair(picoquic_cnx_t *cnx)
{
    uint64_t ctx = get_cnx(cnx, AK_CNX_INPUT, 0);
    fec_state_t *st = (fec_state_t *)get_cnx_metadata(cnx, FEC_SLOT);
    if (st == NULL) return WRITE_FAILED;
    fec_out_t *o = &st->rq[(ctx & 0xff) % RQ];
    if (o->in_use != RQ_BOOKED) return WRITE_FAILED;
    if (!fec_write_frame(o->frame, REPAIR_HEADER + o->len, 1)) return WRITE_RETRY_NEXT_PACKET;
    o->in_use = RQ_FREE;
    st->repairs_queued--;
    return WRITE_OK;
}
