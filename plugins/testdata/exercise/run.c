/* Calls "double_it" with its own input 0 and 1 as inputs, and "typed" with param 0x31;
 * returns double_it's output 0 plus typed's return value. */
#include "pquic.h"

protoop_arg_t run(picoquic_cnx_t *cnx)
{
    protoop_arg_t in[2] = { get_cnx(cnx, AK_CNX_INPUT, 0), get_cnx(cnx, AK_CNX_INPUT, 1) };
    protoop_arg_t out[PROTOOPARGS_MAX];
    out[0] = 0;
    run_noparam(cnx, "double_it", 2, in, out);
    protoop_arg_t r = run_param(cnx, "typed", 0x31, 0, NULL, NULL);
    return out[0] + r;
}
