/* Hostile: frees a pointer into the middle of a block. */
#include "pquic.h"

protoop_arg_t bad_free(picoquic_cnx_t *cnx)
{
    uint8_t *p = (uint8_t *)my_malloc(cnx, 32);
    my_free(cnx, p + 8);
    return 0;
}
