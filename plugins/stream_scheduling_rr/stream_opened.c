/* stream_opened post (input: stream_id): the stream joins the schedule, in id order. */
#include "stream_rr.h"

protoop_arg_t stream_opened(picoquic_cnx_t *cnx)
{
    uint64_t id = get_cnx(cnx, AK_CNX_INPUT, 0);
    rr_t *rr = rr_state(cnx);
    if (rr == NULL)
        return 0;
    uint64_t i = 0;
    while (i < rr->n && rr->ids[i] < id)
        i++;
    if (i < rr->n && rr->ids[i] == id)
        return 0;
    if (rr->n == rr->capacity) {
        uint64_t *ids = (uint64_t *)my_realloc(cnx, rr->ids, 2 * rr->capacity * sizeof(uint64_t));
        if (ids == NULL)
            return 0;
        rr->ids = ids;
        rr->capacity *= 2;
    }
    for (uint64_t j = rr->n; j > i; j--)
        rr->ids[j] = rr->ids[j - 1];
    rr->ids[i] = id;
    rr->n++;
    return 0;
}
