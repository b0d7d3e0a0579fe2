/* datagram_get_counter extern (input 0: a DG_* index): the counter, 0 past the end. */
#include "datagram.h"

protoop_arg_t get_counter(picoquic_cnx_t *cnx)
{
    uint64_t i = get_cnx(cnx, AK_CNX_INPUT, 0);
    datagram_state_t *s = (datagram_state_t *)get_cnx_metadata(cnx, DATAGRAM_SLOT);
    if (s == NULL || i >= DG_COUNTERS)
        return 0;
    return s->c[i];
}
