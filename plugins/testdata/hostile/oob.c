/* Hostile: stores through a wild pointer (not plugin memory). */
#include "pquic.h"

protoop_arg_t oob(picoquic_cnx_t *cnx)
{
    *(volatile uint64_t *)0x1000 = get_cnx(cnx, AK_CNX_INPUT, 0);
    return 0;
}
