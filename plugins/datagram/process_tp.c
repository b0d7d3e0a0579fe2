/* process_transport_parameter param 0x20 replace: the peer's max_datagram_frame_size
 * (RFC 9221 §3): a varint; from then on we may send DATAGRAM frames up to that size.
 * Inputs: 0 the value (host buffer), 1 its length. A value that is not exactly one
 * varint is ignored (no datagrams are sent). */
#include "datagram.h"

protoop_arg_t process_tp(picoquic_cnx_t *cnx)
{
    datagram_state_t *s = datagram_state(cnx);
    if (s == NULL)
        return 0;
    host_buffer_t value = get_cnx(cnx, AK_CNX_INPUT, 0);
    uint64_t length = get_cnx(cnx, AK_CNX_INPUT, 1);
    uint64_t max = 0;
    if (length == 0 || host_varint_decode(value, 0, &max) != length)
        return 0;
    s->c[DG_PEER_MAX] = max;
    s->peer_allows = 1;
    return 0;
}
