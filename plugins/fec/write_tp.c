/* write_transport_parameter param 0xfec replace: fec_supported (FRAMES.md), a varint: the
 * version of our frames, 1. Inputs: 0 the buffer (host), 1 its length. Returns the bytes
 * written. */
#include "fec.h"

protoop_arg_t write_tp(picoquic_cnx_t *cnx)
{
    fec_state(cnx); /* made before the handshake: peer_fec waits for the peer's parameter */
    return host_varint_encode(get_cnx(cnx, AK_CNX_INPUT, 0), 0, FEC_TP_VERSION);
}
