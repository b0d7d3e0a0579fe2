/* Fills a stack buffer from input 0, calls protoop "inner" (which may run another pluglet of
 * this plugin), then returns the buffer's checksum plus input 0 read again: the same as
 * without the call (the inner run's stack and call cells do not leak into this run's). */
#include "pquic.h"

protoop_arg_t nested(picoquic_cnx_t *cnx)
{
    volatile uint64_t buf[32];
    uint64_t seed = get_cnx(cnx, AK_CNX_INPUT, 0);
    for (int i = 0; i < 32; i++)
        buf[i] = seed * (i + 1);
    run_noparam(cnx, "inner", 0, NULL, NULL);
    uint64_t sum = 0;
    for (int i = 0; i < 32; i++)
        sum += buf[i] ^ (uint64_t)i;
    return sum + get_cnx(cnx, AK_CNX_INPUT, 0);
}
