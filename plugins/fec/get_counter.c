/* fec_get_counter (extern): counter FC_* number input 0 (UINT64_MAX when unknown). */
#include "fec.h"

protoop_arg_t get_counter(picoquic_cnx_t *cnx)
{
    uint64_t i = get_cnx(cnx, AK_CNX_INPUT, 0);
    fec_state_t *st = (fec_state_t *)get_cnx_metadata(cnx, FEC_SLOT);
    if (i >= FC_COUNTERS) return UINT64_MAX;
    return st == NULL ? 0 : st->c[i];
}
