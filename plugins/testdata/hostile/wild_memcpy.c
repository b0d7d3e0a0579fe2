/* Hostile: asks my_memcpy to write outside plugin memory. */
#include "pquic.h"

protoop_arg_t wild_memcpy(picoquic_cnx_t *cnx)
{
    void *p = my_malloc(cnx, 16);
    my_memcpy((void *)0x2000, p, 8);
    return 0;
}
