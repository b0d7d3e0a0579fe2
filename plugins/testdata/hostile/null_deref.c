/* Hostile: uses the NULL of a refused allocation. */
#include "pquic.h"

protoop_arg_t null_deref(picoquic_cnx_t *cnx)
{
    uint64_t *p = (uint64_t *)my_malloc(cnx, 1ULL << 40);
    p[1] = 42;
    return 0;
}
