/*
 * schedule_next_stream replace (inputs: max_bytes, path): strict round robin
 * over the open streams in increasing id order, one STREAM frame per stream
 * in turn: the first stream after the one served last (wrapping around) that
 * has something to send. Returns its handle, or NULL when none has.
 *
 * The core's default serves streams in the order they got data to send
 * (RFC 9000 leaves stream scheduling to the implementation, §2.3); this one
 * does not depend on that order.
 */
#include "stream_rr.h"

protoop_arg_t schedule_next_stream(picoquic_cnx_t *cnx)
{
    rr_t *rr = (rr_t *)get_cnx_metadata(cnx, RR_SLOT);
    if (rr == NULL || rr->n == 0)
        return 0;
    uint64_t start = 0;
    if (rr->has_last) {
        while (start < rr->n && rr->ids[start] <= rr->last)
            start++;
        if (start == rr->n)
            start = 0;
    }
    for (uint64_t k = 0; k < rr->n; k++) {
        uint64_t i = start + k;
        if (i >= rr->n)
            i -= rr->n;
        picoquic_stream_head *s = picoquic_find_stream(cnx, rr->ids[i]);
        if (s != NULL && get_stream_head(s, AK_STREAMHEAD_SEND_QUEUE) != 0) {
            rr->last = rr->ids[i];
            rr->has_last = 1;
            return (protoop_arg_t)s;
        }
    }
    return 0;
}
