/* stream_closed post (input: stream_id): the stream leaves the schedule. */
#include "stream_rr.h"

protoop_arg_t stream_closed(picoquic_cnx_t *cnx)
{
    uint64_t id = get_cnx(cnx, AK_CNX_INPUT, 0);
    rr_t *rr = (rr_t *)get_cnx_metadata(cnx, RR_SLOT);
    if (rr == NULL)
        return 0;
    uint64_t i = 0;
    while (i < rr->n && rr->ids[i] != id)
        i++;
    if (i == rr->n)
        return 0;
    for (; i + 1 < rr->n; i++)
        rr->ids[i] = rr->ids[i + 1];
    rr->n--;
    return 0;
}
