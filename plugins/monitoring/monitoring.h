/*
 * The monitoring plugin's state: one block of counters on the plugin heap,
 * found through connection metadata slot 0 (PQUIC's convention for plugin
 * state), allocated by whichever pluglet runs first.
 */
#ifndef MONITORING_H
#define MONITORING_H
#include "pquic.h"

#define MONITORING_SLOT 0

/* Counter indices (monitoring_get_counter's input). */
#define MON_PACKETS_RECEIVED 0
#define MON_BYTES_RECEIVED 1
#define MON_PACKETS_SENT 2
#define MON_BYTES_SENT 3
#define MON_PACKETS_LOST 4
#define MON_RTT_SAMPLES 5
#define MON_RTT_MIN 6
#define MON_RTT_MAX 7
#define MON_RTT_LATEST 8
#define MON_STREAMS_OPENED 9
#define MON_STREAMS_CLOSED 10
#define MON_SUMMARIES 11
#define MON_COUNT 12

typedef struct {
    uint64_t c[MON_COUNT];
} monitoring_t;

static __inline__ monitoring_t *monitoring_state(picoquic_cnx_t *cnx)
{
    monitoring_t *m = (monitoring_t *)get_cnx_metadata(cnx, MONITORING_SLOT);
    if (m == NULL) {
        m = (monitoring_t *)my_malloc(cnx, sizeof(monitoring_t));
        if (m == NULL)
            return NULL;
        my_memset(m, 0, sizeof(monitoring_t));
        set_cnx_metadata(cnx, MONITORING_SLOT, (uint64_t)m);
    }
    return m;
}

#endif
