/* fec_scheme (extern): the coding scheme of this plugin's repair symbols: XOR of the protected source symbols. */
#include "fec.h"

protoop_arg_t scheme_xor(picoquic_cnx_t *cnx)
{
    (void)cnx;
    return FEC_SCHEME_XOR;
}
