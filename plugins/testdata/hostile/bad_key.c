/* Hostile: an access key that does not exist. */
#include "pquic.h"

protoop_arg_t bad_key(picoquic_cnx_t *cnx)
{
    return get_cnx(cnx, 0x7f, 0);
}
