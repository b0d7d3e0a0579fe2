/* fec_redundancy (extern): constant redundancy for bursts, n = 30 per k = 25 (5 repair symbols
 * per 25 packets: the same 20% as 6/5, but up to 5 consecutive losses rebuilt with RLC;
 * PQUIC's fec_constant_redundancy_controller_burst). Returns n << 8 | k, fixed. */
#include "fec.h"

protoop_arg_t controller_burst(picoquic_cnx_t *cnx)
{
    (void)cnx;
    return FEC_REDUNDANCY_FIXED | (30 << 8) | 25;
}
