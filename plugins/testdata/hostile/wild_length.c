/* Hostile: my_memset with a length of a terabyte on a 64-byte block. */
#include "pquic.h"

protoop_arg_t wild_length(picoquic_cnx_t *cnx)
{
    void *p = my_malloc(cnx, 64);
    my_memset(p, 0, 1ULL << 40);
    return 0;
}
