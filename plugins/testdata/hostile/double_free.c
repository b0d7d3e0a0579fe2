/* Hostile: frees a block twice. */
#include "pquic.h"

protoop_arg_t double_free(picoquic_cnx_t *cnx)
{
    void *p = my_malloc(cnx, 32);
    my_free(cnx, p);
    my_free(cnx, p);
    return 0;
}
