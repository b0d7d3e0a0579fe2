/*
 * connection_state_changed post (inputs: from_state, to_state): when the
 * connection starts closing, emits the counters once as a qlog event
 * "monitoring:summary" and a log line.
 */
#include "monitoring.h"

protoop_arg_t state_changed(picoquic_cnx_t *cnx)
{
    monitoring_t *m = monitoring_state(cnx);
    if (m == NULL)
        return 0;
    uint64_t to = get_cnx(cnx, AK_CNX_INPUT, 1);
    if (to < PQUIC_STATE_CLOSING || m->c[MON_SUMMARIES] != 0)
        return 0;
    m->c[MON_SUMMARIES] = 1;
    qlog_event("monitoring:summary",
               "packets_received,bytes_received,packets_sent,bytes_sent,packets_lost,"
               "rtt_samples,rtt_min,rtt_max,rtt_latest,streams_opened,streams_closed",
               m->c, MON_STREAMS_CLOSED + 1);
    PROTOOP_PRINTF(cnx, "monitoring: %lu packets received, %lu sent, %lu lost\n",
                   m->c[MON_PACKETS_RECEIVED], m->c[MON_PACKETS_SENT], m->c[MON_PACKETS_LOST]);
    return 0;
}
