/* fec_scheme (extern): the coding scheme of this plugin's repair symbols: random linear combinations over GF(2^8). */
#include "fec.h"

protoop_arg_t scheme_rlc_gf256(picoquic_cnx_t *cnx)
{
    (void)cnx;
    return FEC_SCHEME_RLC_GF256;
}
