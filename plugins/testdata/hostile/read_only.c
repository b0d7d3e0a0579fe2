/* Hostile: writes a read-only path field. */
#include "pquic.h"

protoop_arg_t read_only(picoquic_cnx_t *cnx)
{
    picoquic_path_t *path = (picoquic_path_t *)get_cnx(cnx, AK_CNX_PATH, 0);
    set_path(path, AK_PATH_SMOOTHED_RTT, 0, 1);
    return 0;
}
