/* update_rtt post: an RTT sample (inputs: space, latest_rtt µs, ack_delay, now). */
#include "monitoring.h"

protoop_arg_t rtt_sample(picoquic_cnx_t *cnx)
{
    monitoring_t *m = monitoring_state(cnx);
    if (m == NULL)
        return 0;
    uint64_t rtt = get_cnx(cnx, AK_CNX_INPUT, 1);
    if (m->c[MON_RTT_SAMPLES] == 0 || rtt < m->c[MON_RTT_MIN])
        m->c[MON_RTT_MIN] = rtt;
    if (rtt > m->c[MON_RTT_MAX])
        m->c[MON_RTT_MAX] = rtt;
    m->c[MON_RTT_LATEST] = rtt;
    m->c[MON_RTT_SAMPLES]++;
    return 0;
}
