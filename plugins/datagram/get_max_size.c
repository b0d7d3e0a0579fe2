/* datagram_get_max_size extern: the largest payload datagram_send takes now (0 when the
 * peer takes no datagrams). */
#include "datagram.h"

protoop_arg_t get_max_size(picoquic_cnx_t *cnx)
{
    datagram_state_t *s = datagram_state(cnx);
    return s == NULL ? 0 : datagram_max_payload(cnx, s);
}
