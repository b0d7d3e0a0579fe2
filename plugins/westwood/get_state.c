/* westwood_get_state extern (input: index, WW_*): the value, 0 past the end or before any signal. */
#include "westwood.h"

protoop_arg_t get_state(picoquic_cnx_t *cnx)
{
    westwood_t *w = westwood_state(cnx);
    uint64_t i = get_cnx(cnx, AK_CNX_INPUT, 0);
    return w != NULL && i < WW_COUNT ? w->v[i] : 0;
}
