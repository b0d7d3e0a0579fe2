/* header_parsed post: a packet arrived (inputs: header, path, pn, length). */
#include "monitoring.h"

protoop_arg_t packet_received(picoquic_cnx_t *cnx)
{
    monitoring_t *m = monitoring_state(cnx);
    if (m == NULL)
        return 0;
    m->c[MON_PACKETS_RECEIVED]++;
    m->c[MON_BYTES_RECEIVED] += get_cnx(cnx, AK_CNX_INPUT, 3);
    return 0;
}
