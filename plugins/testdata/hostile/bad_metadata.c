/* Hostile: metadata slot 15 (PQUIC's westwood used it; there are 10). */
#include "pquic.h"

protoop_arg_t bad_metadata(picoquic_cnx_t *cnx)
{
    set_cnx_metadata(cnx, 15, 1);
    return 0;
}
