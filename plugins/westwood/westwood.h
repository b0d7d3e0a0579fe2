/*
 * The westwood plugin's state: TCP Westwood+ (Mascolo et al., "TCP Westwood:
 * bandwidth estimation for enhanced transport over wireless links", and the
 * "+" sampling of Grieco and Mascolo) driving the connection's congestion
 * window through set_path(AK_PATH_CWIN).
 *
 * One block on the plugin heap, found through connection metadata slot 0
 * (PQUIC's convention; PQUIC's own westwood used slot 0x0F, which is out of
 * range). The connection has one path to congest, so the state is per
 * connection.
 */
#ifndef WESTWOOD_H
#define WESTWOOD_H
#include "pquic_cc.h"

#define WESTWOOD_SLOT 0

/* Bandwidth samples are taken over at least one RTT and at least this long, µs (Linux's
 * tcp_westwood uses 50 ms, a jiffies-era bound; 1 ms suits the simulated links too). */
#define WESTWOOD_MIN_SAMPLE_US 1000

/* westwood_get_state's indices (the extern's input). */
#define WW_CWND 0
#define WW_SSTHRESH 1
#define WW_BWE 2           /* bandwidth estimate, bytes/s (the filtered Westwood+ estimate) */
#define WW_RTT_MIN 3       /* µs, as used at the last congestion event */
#define WW_CONGESTION_EVENTS 4
#define WW_LAST_CWND_BEFORE 5 /* window just before the last congestion event */
#define WW_LAST_CWND_AFTER 6  /* window set by it: max(BWE × RTTmin, 2 × MSS) */
#define WW_LAST_BWE 7         /* the BWE it used, bytes/s */
#define WW_SAMPLES 8          /* bandwidth samples taken */
#define WW_COUNT 9

typedef struct {
    uint64_t v[WW_COUNT];
    uint64_t initialised;
    uint64_t bw_ns_est;       /* first filter stage, bytes/s */
    uint64_t bk;              /* bytes acknowledged in the current sample */
    uint64_t sample_start;    /* µs; 0 until the handshake is confirmed */
    uint64_t recovery_start;  /* µs; 0: not yet */
    uint64_t avoidance_acked; /* bytes acknowledged in congestion avoidance since the last step */
    uint64_t prior_cwnd;      /* before the last reduction (undone on a spurious loss) */
    uint64_t prior_ssthresh;
} westwood_t;

static __inline__ westwood_t *westwood_state(picoquic_cnx_t *cnx)
{
    return (westwood_t *)get_cnx_state(cnx, WESTWOOD_SLOT, sizeof(westwood_t));
}

#endif
