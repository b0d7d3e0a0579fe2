/* Writes garbage over its whole stack frame; returns 1. */
#include "pquic.h"

protoop_arg_t scribble(picoquic_cnx_t *cnx)
{
    volatile uint64_t buf[60];
    for (int i = 0; i < 60; i++)
        buf[i] = 0xdeadbeefdeadbeefULL + i;
    return buf[3] != 0;
}
