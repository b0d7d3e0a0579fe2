/* fec_redundancy (extern): constant redundancy, n = 6 symbols per k = 5 source symbols (one
 * repair symbol per 5 packets, PQUIC's fec_constant_redundancy_controller). Returns n << 8 | k, fixed. */
#include "fec.h"

protoop_arg_t controller_constant(picoquic_cnx_t *cnx)
{
    (void)cnx;
    return FEC_REDUNDANCY_FIXED | (6 << 8) | 5;
}
