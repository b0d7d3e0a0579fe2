/* process_transport_parameter param 0xfec replace: the peer runs FEC with our frames (version
 * 1): from now on our packets carry SFPID frames. Without it we send no FEC frame, so a peer
 * without the plugin is not sent frames it cannot parse. */
#include "fec.h"

protoop_arg_t process_tp(picoquic_cnx_t *cnx)
{
    uint64_t v = 0;
    if (host_varint_decode(get_cnx(cnx, AK_CNX_INPUT, 0), 0, &v) == 0 || v != FEC_TP_VERSION)
        return 0;
    fec_state_t *st = fec_state(cnx);
    if (st != NULL) st->peer_fec = 1;
    return 0;
}
