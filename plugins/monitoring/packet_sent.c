/*
 * segment_prepared post: a packet was sealed and recorded as sent (inputs:
 * the packet, its size). The size input spares a get_pkt on the packet.
 */
#include "monitoring.h"

protoop_arg_t packet_sent(picoquic_cnx_t *cnx)
{
    monitoring_t *m = monitoring_state(cnx);
    if (m == NULL)
        return 0;
    m->c[MON_PACKETS_SENT]++;
    m->c[MON_BYTES_SENT] += get_cnx(cnx, AK_CNX_INPUT, 1);
    return 0;
}
