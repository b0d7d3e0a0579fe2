/* monitoring_get_counter extern (input: counter index, MON_*): the counter, 0 past the end. */
#include "monitoring.h"

protoop_arg_t get_counter(picoquic_cnx_t *cnx)
{
    uint64_t i = get_cnx(cnx, AK_CNX_INPUT, 0);
    monitoring_t *m = (monitoring_t *)get_cnx_metadata(cnx, MONITORING_SLOT);
    if (m == NULL || i >= MON_COUNT)
        return 0;
    return m->c[i];
}
