/* process_frame param 0x30 and 0x31 replace: delivers the DATAGRAM frame parse_frame
 * just read to the application (or counts it dropped when the heap had no room for it).
 * A frame larger than the max_datagram_frame_size we sent is refused (non-zero:
 * PROTOCOL_VIOLATION, RFC 9221 §3). */
#include "datagram.h"

protoop_arg_t process_datagram(picoquic_cnx_t *cnx)
{
    datagram_state_t *s = datagram_state(cnx);
    if (s == NULL || !s->rx_pending)
        return 1;
    uint64_t type = get_cnx(cnx, AK_CNX_PROTOOP_PARAM, 0);
    uint64_t len = s->rx_len;
    uint64_t frame = 1 + (type == FT_DATAGRAM_LEN ? varint_size(len) : 0) + len;
    uint64_t ret = 0;
    if (frame > LOCAL_MAX_FRAME_SIZE) {
        ret = 1;
    } else if (len > 0 && s->rx == NULL) {
        s->c[DG_DROPPED]++;
    } else {
        datagram_deliver(cnx, s->rx, len);
        s->c[DG_RECEIVED]++;
    }
    my_free(cnx, s->rx);
    s->rx = NULL;
    s->rx_pending = 0;
    return ret;
}
