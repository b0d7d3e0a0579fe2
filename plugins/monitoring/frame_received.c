/* process_frame param <type> post: a frame of that type was processed. */
#include "monitoring.h"

protoop_arg_t frame_received(picoquic_cnx_t *cnx)
{
    monitoring_t *m = monitoring_state(cnx);
    if (m == NULL)
        return 0;
    uint64_t type = get_cnx(cnx, AK_CNX_PROTOOP_PARAM, 0);
    uint64_t i = type < MON_FRAME_TYPES - 1 ? type : MON_FRAME_TYPES - 1;
    m->c[MON_FRAMES_RECEIVED + i]++;
    return 0;
}
