/* fec_protect_policy (extern): what repair symbols protect: every window of source symbols, and the end of the stream. */
#include "fec.h"

protoop_arg_t policy_full_stream(picoquic_cnx_t *cnx)
{
    (void)cnx;
    return FEC_POLICY_FULL_STREAM;
}
