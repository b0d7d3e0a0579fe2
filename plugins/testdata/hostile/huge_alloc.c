/* Hostile: asks for a terabyte, then allocates 64 KiB blocks until refused. Returns how
 * many it got (bounded by the plugin's memory limit), UINT64_MAX if the terabyte came. */
#include "pquic.h"

protoop_arg_t huge_alloc(picoquic_cnx_t *cnx)
{
    if (my_malloc(cnx, 1ULL << 40) != NULL)
        return UINT64_MAX;
    uint64_t n = 0;
    while (n < 100000 && my_malloc(cnx, 65536) != NULL)
        n++;
    return n;
}
