/* fec_protect_policy (extern): what repair symbols protect: only the end of the stream (nothing more waits to be sent). */
#include "fec.h"

protoop_arg_t policy_end_of_stream(picoquic_cnx_t *cnx)
{
    (void)cnx;
    return FEC_POLICY_END_OF_STREAM;
}
