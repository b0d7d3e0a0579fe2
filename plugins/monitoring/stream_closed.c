/* stream_closed post. */
#include "monitoring.h"

protoop_arg_t stream_closed(picoquic_cnx_t *cnx)
{
    monitoring_t *m = monitoring_state(cnx);
    if (m != NULL)
        m->c[MON_STREAMS_CLOSED]++;
    return 0;
}
