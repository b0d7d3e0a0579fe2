/*
 * congestion_algorithm_notify replace (inputs: path, notification, packets,
 * rtt_measurement, nb_bytes, now): ignores every congestion signal and pins
 * the path's window to "unlimited", as PQUIC's plugin does.
 */
#include "pquic.h"

protoop_arg_t disable_cc(picoquic_cnx_t *cnx)
{
    picoquic_path_t *path = (picoquic_path_t *)get_cnx(cnx, AK_CNX_INPUT, 0);
    if (path == NULL)
        path = (picoquic_path_t *)get_cnx(cnx, AK_CNX_PATH, 0);
    set_path(path, AK_PATH_CWIN, 0, UINT64_MAX);
    return 0;
}
