/* A writable global and a string in .rodata: returns the global after incrementing it by
 * input 0, and logs the string. */
#include "pquic.h"

static uint64_t count = 100;
static const char name[] = "counter_a";

protoop_arg_t counter_a(picoquic_cnx_t *cnx)
{
    count += get_cnx(cnx, AK_CNX_INPUT, 0);
    PROTOOP_PRINTF(cnx, "%s=%lu", (uint64_t)name, count);
    return count;
}
