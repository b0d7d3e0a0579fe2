/* notify_frame 0x2a: a REPAIR frame's fate. Once it is acknowledged, lost or dropped, the
 * packets it protects are no longer held for it (fec_cover_end). */
#include "fec.h"

protoop_arg_t notify_repair(picoquic_cnx_t *cnx)
{
    uint64_t received = get_cnx(cnx, AK_CNX_INPUT, 1);
    uint64_t ctx = get_cnx(cnx, AK_CNX_INPUT, 3);
    fec_state_t *st = (fec_state_t *)get_cnx_metadata(cnx, FEC_SLOT);
    if (st == NULL) return 0;
    if (received == NOTIFY_NEVER_WRITTEN) {
        fec_out_t *o = &st->rq[(ctx & 0xff) % RQ];
        if (o->in_use == RQ_BOOKED) {
            o->in_use = RQ_FREE;
            st->repairs_queued--;
        }
    } else if (received == NOTIFY_ACKED) {
        st->c[FC_REPAIR_ACKED]++;
    } else {
        st->c[FC_REPAIR_LOST]++;
    }
    fec_cover_end(ctx >> 16, (ctx >> 8) & 0xff);
    return 0;
}
