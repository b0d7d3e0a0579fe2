/* notify_frame param 0x31 replace: a DATAGRAM frame's fate, counted. A lost one is not
 * sent again (RFC 9221 §5.2): write_frame freed it already. One never written (the
 * connection closes, or the write failed) is freed here. Inputs: 0 the frame, 1 received
 * (0 lost, 1 acked, 2 never written), 2 the packet, 3 frame_ctx. */
#include "datagram.h"

protoop_arg_t notify_datagram(picoquic_cnx_t *cnx)
{
    datagram_state_t *s = datagram_state(cnx);
    uint64_t received = get_cnx(cnx, AK_CNX_INPUT, 1);
    datagram_out_t *d = (datagram_out_t *)get_cnx(cnx, AK_CNX_INPUT, 3);
    if (s == NULL)
        return 0;
    if (received == NOTIFY_ACKED)
        s->c[DG_ACKED]++;
    else if (received == NOTIFY_LOST)
        s->c[DG_LOST]++;
    else {
        s->c[DG_NEVER_WRITTEN]++;
        if (s->c[DG_HELD] > 0)
            s->c[DG_HELD]--;
        if (d != NULL)
            s->c[DG_QUEUED_BYTES] -= d->len;
        my_free(cnx, d);
    }
    return 0;
}
