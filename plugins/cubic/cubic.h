/*
 * The cubic plugin's state: RFC 9438 CUBIC in integer arithmetic (eBPF has
 * no floating point), the same algorithm as the transport's own
 * transport/recovery/congestion/cubic.ts, driving the connection's window
 * through set_path(AK_PATH_CWIN).
 *
 * Fixed-point choices (after Linux's tcp_cubic.c):
 * - time on the curve is in units of 2^-10 s ("ticks", 1 tick ≈ 0.977 ms);
 * - C = 0.4 is exactly 2/5; β_cubic = 0.7 is exactly 7/10, so
 *   α_cubic = 3(1 − β)/(1 + β) = 9/17 exactly;
 * - windows are in bytes; W_cubic(t) = C × (t − K)³ × MSS + W_max, with
 *   (t − K)³ in ticks³ = 2^-30 s³;
 * - K = ∛((W_max − cwnd_epoch) / (C × MSS)) by an integer cube root (the
 *   digit-by-digit method of Hacker's Delight §11-2), in ticks.
 *
 * One block on the plugin heap, found through connection metadata slot 0.
 */
#ifndef CUBIC_H
#define CUBIC_H
#include "pquic_cc.h"

#define CUBIC_SLOT 0

/* Ticks per second: time on the curve is in 2^-10 s. */
#define CUBIC_TICK_SHIFT 10
/* Windows are kept in 2^-10 bytes ("fp") so that small increments accumulate. */
#define CUBIC_FP_SHIFT 10
/* |t − K| is capped here (2^16 ticks = 64 s) so that its cube (2^48) leaves room in 64 bits. */
#define CUBIC_MAX_OFFSET (1ULL << 16)

/* cubic_get_state's indices (the extern's input). */
#define CU_CWND 0
#define CU_SSTHRESH 1      /* UINT64_MAX until the first congestion event */
#define CU_W_MAX 2         /* bytes */
#define CU_K 3             /* µs */
#define CU_EPOCH_START 4   /* µs; UINT64_MAX outside a congestion avoidance stage */
#define CU_W_EST 5         /* bytes */
#define CU_CONGESTION_EVENTS 6
#define CU_COUNT 7

/* The algorithm's variables (RFC 9438 §4.1 names); windows marked fp are in 2^-10 bytes. */
typedef struct {
    uint64_t cwnd;           /* fp */
    uint64_t ssthresh;       /* bytes; UINT64_MAX before the first congestion event */
    uint64_t w_max;          /* bytes */
    uint64_t k;              /* ticks */
    uint64_t epoch_start;    /* µs; UINT64_MAX outside congestion avoidance */
    uint64_t cwnd_epoch;     /* fp */
    uint64_t w_est;          /* fp */
    uint64_t cwnd_prior;     /* fp */
    uint64_t recovery_start; /* µs; 0: none */
} cubic_vars_t;

typedef struct {
    cubic_vars_t s;
    cubic_vars_t prior;      /* before the last reduction (RFC 9438 §4.9) */
    uint64_t has_prior;
    uint64_t initialised;
    uint64_t events;
} cubic_t;

static __inline__ cubic_t *cubic_state(picoquic_cnx_t *cnx)
{
    return (cubic_t *)get_cnx_state(cnx, CUBIC_SLOT, sizeof(cubic_t));
}

#endif
