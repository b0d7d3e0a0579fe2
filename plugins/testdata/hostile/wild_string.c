/* Hostile: a log format string that is not in plugin memory. */
#include "pquic.h"

protoop_arg_t wild_string(picoquic_cnx_t *cnx)
{
    helper_log((const char *)0x3000, NULL, 0);
    return 0;
}
