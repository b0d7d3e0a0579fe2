/* packet_was_lost post: a packet was declared lost. */
#include "monitoring.h"

protoop_arg_t packet_lost(picoquic_cnx_t *cnx)
{
    monitoring_t *m = monitoring_state(cnx);
    if (m != NULL)
        m->c[MON_PACKETS_LOST]++;
    return 0;
}
