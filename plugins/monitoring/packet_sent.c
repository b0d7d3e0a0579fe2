/* segment_prepared post: a packet was sealed and recorded as sent (input: the packet). */
#include "monitoring.h"

protoop_arg_t packet_sent(picoquic_cnx_t *cnx)
{
    monitoring_t *m = monitoring_state(cnx);
    if (m == NULL)
        return 0;
    picoquic_packet_t *pkt = (picoquic_packet_t *)get_cnx(cnx, AK_CNX_INPUT, 0);
    m->c[MON_PACKETS_SENT]++;
    if (pkt != NULL)
        m->c[MON_BYTES_SENT] += get_pkt(pkt, AK_PKT_LENGTH);
    return 0;
}
