/* cubic_get_state extern (input: index, CU_*): the value, 0 past the end or before any signal. */
#include "cubic.h"

protoop_arg_t get_state(picoquic_cnx_t *cnx)
{
    cubic_t *c = cubic_state(cnx);
    if (c == NULL)
        return 0;
    switch (get_cnx(cnx, AK_CNX_INPUT, 0)) {
    case CU_CWND:
        return c->s.cwnd >> CUBIC_FP_SHIFT;
    case CU_SSTHRESH:
        return c->s.ssthresh;
    case CU_W_MAX:
        return c->s.w_max;
    case CU_K:
        return (c->s.k * US_PER_S) >> CUBIC_TICK_SHIFT;
    case CU_EPOCH_START:
        return c->s.epoch_start;
    case CU_W_EST:
        return c->s.w_est >> CUBIC_FP_SHIFT;
    case CU_CONGESTION_EVENTS:
        return c->events;
    default:
        return 0;
    }
}
