/*
 * The stream_scheduling_rr plugin's state: the ids of the connection's open
 * streams in increasing order (a growable array on the plugin heap) and the
 * id served last, found through connection metadata slot 0 (PQUIC's plugin
 * kept the last stream id in connection metadata too).
 */
#ifndef STREAM_RR_H
#define STREAM_RR_H
#include "pquic.h"

#define RR_SLOT 0
#define RR_INITIAL_CAPACITY 16

typedef struct {
    uint64_t n;        /* open streams */
    uint64_t capacity;
    uint64_t last;     /* id served last */
    uint64_t has_last;
    uint64_t *ids;     /* n ids, increasing */
} rr_t;

/* The schedule, its id array allocated on first use; NULL when the heap is full. */
static __inline__ rr_t *rr_state(picoquic_cnx_t *cnx)
{
    rr_t *rr = (rr_t *)get_cnx_state(cnx, RR_SLOT, sizeof(rr_t));
    if (rr != NULL && rr->ids == NULL) {
        rr->ids = (uint64_t *)my_malloc(cnx, RR_INITIAL_CAPACITY * sizeof(uint64_t));
        if (rr->ids == NULL)
            return NULL;
        rr->capacity = RR_INITIAL_CAPACITY;
    }
    return rr;
}

#endif
