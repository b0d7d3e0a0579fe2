/* Hostile: never returns. */
#include "pquic.h"

protoop_arg_t loop(picoquic_cnx_t *cnx)
{
    volatile uint64_t i = 0;
    for (;;)
        i++;
    return i;
}
