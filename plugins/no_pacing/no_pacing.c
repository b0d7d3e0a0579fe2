/*
 * set_next_wake_time pre: turns pacing off on every path before the timers
 * are computed, so packets leave as soon as the congestion window allows
 * (PQUIC's no_pacing replaced set_next_wake_time with a copy of core's
 * without the pacing checks; here pacing is a path field).
 */
#include "pquic.h"

#define MAX_PATHS 16

protoop_arg_t no_pacing(picoquic_cnx_t *cnx)
{
    uint64_t n = get_cnx(cnx, AK_CNX_NB_PATHS, 0);
    for (uint64_t i = 0; i < n && i < MAX_PATHS; i++) {
        picoquic_path_t *path = (picoquic_path_t *)get_cnx(cnx, AK_CNX_PATH, i);
        if (path != NULL && get_path(path, AK_PATH_PACING_ENABLED, 0) != 0)
            set_path(path, AK_PATH_PACING_ENABLED, 0, 0);
    }
    return 0;
}
