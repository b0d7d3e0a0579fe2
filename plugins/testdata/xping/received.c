/* xping_received extern: input 0 = 0 gives the frames received, 1 the sum of their values. */
#include "xping.h"

protoop_arg_t received(picoquic_cnx_t *cnx)
{
    uint64_t what = get_cnx(cnx, AK_CNX_INPUT, 0);
    return get_cnx_metadata(cnx, what == 0 ? SLOT_COUNT : SLOT_SUM);
}
