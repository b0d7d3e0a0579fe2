/* Harmless pluglet used by the hostile manifests. */
#include "pquic.h"

protoop_arg_t rtt(picoquic_cnx_t *cnx)
{
    return get_cnx(cnx, AK_CNX_INPUT, 1);
}
