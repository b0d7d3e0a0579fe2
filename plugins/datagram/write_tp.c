/* write_transport_parameter param 0x20 replace: our max_datagram_frame_size (RFC 9221 §3),
 * a varint. Inputs: 0 the buffer (host), 1 its length. Returns the bytes written. */
#include "datagram.h"

protoop_arg_t write_tp(picoquic_cnx_t *cnx)
{
    host_buffer_t buf = get_cnx(cnx, AK_CNX_INPUT, 0);
    return host_varint_encode(buf, 0, LOCAL_MAX_FRAME_SIZE);
}
