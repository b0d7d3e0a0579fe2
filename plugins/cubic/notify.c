/*
 * congestion_algorithm_notify post (inputs: path, notification, packets,
 * rtt_measurement, nb_bytes, now): RFC 9438 CUBIC, step for step the
 * transport's Cubic (transport/recovery/congestion/cubic.ts) in integers,
 * setting the window after every congestion signal (pquic_cc.h says why a
 * post):
 *
 * - slow start (RFC 9002 §7.3.1): the window grows by the bytes acknowledged;
 * - congestion avoidance: an epoch starts with the first acknowledgement
 *   after a reduction (§4.2): K = ∛((W_max − cwnd_epoch) / C) or, when the
 *   window is at or above W_max, W_max = cwnd and K = 0 (§4.8);
 * - Reno-friendly region (§4.3): W_est grows by α × acked / cwnd segments
 *   (α = 9/17 until W_est reaches cwnd_prior, then 1); the window follows
 *   W_est while W_cubic(t) is below it;
 * - concave and convex regions (§4.4, §4.5): target = W_cubic(t + RTT)
 *   clamped to [cwnd, 1.5 × cwnd], the window grows by
 *   (target − cwnd) × acked / cwnd;
 * - on a congestion event (loss, ECN-CE), once per recovery period: fast
 *   convergence (§4.7) and ssthresh = cwnd = max(0.7 × cwnd, 2 × MSS) (§4.6);
 * - persistent congestion (§4.8): the window collapses to 2 × MSS and the
 *   next epoch starts with K = 0;
 * - a spurious loss (§4.9) restores the state from before the reduction.
 *
 * Windows are kept in 2^-10 bytes (CUBIC_FP_SHIFT). An acknowledgement
 * notification covers all packets one ACK frame newly
 * acknowledged (the native controller steps once per packet). The recovery
 * period (RFC 9002 §7.3.2) is judged by the send time of the largest
 * acknowledged packet (cc_in_recovery): a pluglet gets no per-packet send
 * times. Not modelled: the idle-period epoch shift (§5.8) and
 * the application-limited check, which need per-packet send events.
 */
#include "cubic.h"

#define FP_SHIFT CUBIC_FP_SHIFT
#define NO_EPOCH UINT64_MAX

/* a × b / c (c != 0), exact when a and b are below 2^32 or when c × b is below 2^64. */
static uint64_t muldiv(uint64_t a, uint64_t b, uint64_t c)
{
    if (a < (1ULL << 32) && b < (1ULL << 32))
        return a * b / c;
    return (a / c) * b + ((a % c) * b) / c;
}

/* ⌊∛x⌋, digit by digit (Hacker's Delight §11-2), 22 steps. */
static uint64_t icbrt(uint64_t x)
{
    uint64_t y = 0;
    for (int s = 63; s >= 0; s -= 3) {
        y = 2 * y;
        uint64_t b = 3 * y * (y + 1) + 1;
        if ((x >> s) >= b) {
            x -= b << s;
            y++;
        }
    }
    return y;
}

/* W_cubic(t) = C × (t − K)³ × MSS + W_max (RFC 9438 Figure 1), t and K in ticks, in 2^-10 bytes. */
static uint64_t w_cubic(cubic_vars_t *s, uint64_t t, uint64_t mss)
{
    uint64_t offs = t > s->k ? t - s->k : s->k - t;
    if (offs > CUBIC_MAX_OFFSET)
        offs = CUBIC_MAX_OFFSET;
    /* C × offs³ ticks³ × MSS = 2/5 × offs³ × 2^-30 s³ × MSS; in 2^-10 bytes: × 2^10. */
    uint64_t delta = muldiv(offs * offs * offs, 2 * mss, 5ULL << 20);
    uint64_t w_max = s->w_max << FP_SHIFT;
    if (t >= s->k)
        return w_max + delta;
    return delta >= w_max ? 0 : w_max - delta;
}

static __inline__ uint64_t us_to_ticks(uint64_t us)
{
    return (us << CUBIC_TICK_SHIFT) / US_PER_S;
}

/* Growth for `bytes` acknowledged (slow start or one congestion avoidance step). */
static void on_acked(cubic_t *c, picoquic_path_t *path, uint64_t bytes, uint64_t mss, uint64_t now)
{
    cubic_vars_t *s = &c->s;
    uint64_t cwnd = s->cwnd; /* 2^-10 bytes */
    if ((cwnd >> FP_SHIFT) < s->ssthresh) {
        s->cwnd = cwnd + (bytes << FP_SHIFT);
        return;
    }
    if (s->epoch_start == NO_EPOCH) {
        s->epoch_start = now;
        s->cwnd_epoch = cwnd;
        s->w_est = cwnd;
        if ((s->w_max << FP_SHIFT) <= cwnd) {
            s->w_max = cwnd >> FP_SHIFT;
            s->k = 0;
        } else {
            /* K³ = (W_max − cwnd_epoch) / (C × MSS) s³ = diff / MSS × 5/2 × 2^30 ticks³. */
            uint64_t diff = (s->w_max << FP_SHIFT) - cwnd;
            uint64_t q = (diff << (20 - FP_SHIFT)) / mss; /* segments × 2^20 */
            s->k = icbrt(q * 5 * (1ULL << 9));
        }
    }
    uint64_t t = us_to_ticks(now - s->epoch_start);
    /* §4.3: W_est += α × acked × MSS / cwnd, α = 9/17 below cwnd_prior, else 1. */
    uint64_t alpha17 = s->w_est >= s->cwnd_prior ? 17 : 9;
    s->w_est += muldiv(bytes * mss * alpha17, 1 << FP_SHIFT, 17 * (cwnd >> FP_SHIFT));
    if (w_cubic(s, t, mss) < s->w_est) {
        if (s->w_est > cwnd)
            s->cwnd = s->w_est;
        return;
    }
    /* §4.4, §4.5: towards W_cubic(t + RTT), at most 1.5 × cwnd. */
    uint64_t target = w_cubic(s, t + us_to_ticks(get_path(path, AK_PATH_SMOOTHED_RTT, 0)), mss);
    if (target < cwnd)
        target = cwnd;
    else if (target > cwnd + cwnd / 2)
        target = cwnd + cwnd / 2;
    s->cwnd = cwnd + muldiv(target - cwnd, bytes, cwnd >> FP_SHIFT);
}

/* A congestion event (§4.6, §4.7); persistent congestion also collapses the window (§4.8). */
static void on_congestion(cubic_t *c, uint64_t mss, uint64_t now, bool persistent)
{
    cubic_vars_t *s = &c->s;
    uint64_t cwnd = s->cwnd >> FP_SHIFT;
    c->prior = *s;
    c->has_prior = 1;
    if (cwnd < s->w_max)
        s->w_max = cwnd * 17 / 20; /* fast convergence: cwnd × (1 + β) / 2 */
    else
        s->w_max = cwnd;
    s->cwnd_prior = s->cwnd;
    s->ssthresh = cc_max(cwnd * 7 / 10, 2 * mss);
    s->cwnd = s->ssthresh << FP_SHIFT;
    s->epoch_start = NO_EPOCH;
    s->recovery_start = now;
    c->events++;
    if (persistent) {
        s->cwnd = (2 * mss) << FP_SHIFT;
        s->recovery_start = 0;
        s->w_max = 0;
        s->k = 0;
        c->has_prior = 0;
    }
    uint64_t values[4] = { cwnd, s->cwnd >> FP_SHIFT, s->ssthresh, s->w_max };
    qlog_event("cubic:congestion", "cwnd_before,cwnd,ssthresh,w_max", values, 4);
}

protoop_arg_t cubic_notify(picoquic_cnx_t *cnx)
{
    cc_signal_t sig;
    cubic_t *c = (cubic_t *)cc_begin(cnx, CUBIC_SLOT, sizeof(cubic_t), &sig);
    if (c == NULL)
        return 0;
    cubic_vars_t *s = &c->s;
    if (!c->initialised) {
        /* The window as the core controller left it; slow start, no epoch yet. */
        c->initialised = 1;
        s->cwnd = get_path(sig.path, AK_PATH_CWIN, 0) << FP_SHIFT;
        s->ssthresh = UINT64_MAX;
        s->epoch_start = NO_EPOCH;
    }
    switch (sig.notification) {
    case CC_NOTIFICATION_ACKNOWLEDGEMENT:
        if (!cc_in_recovery(sig.path, s->recovery_start, sig.now))
            on_acked(c, sig.path, sig.nb_bytes, sig.mss, sig.now);
        break;
    case CC_NOTIFICATION_REPEAT:
    case CC_NOTIFICATION_CONGESTION_EXPERIENCED:
        if (!cc_in_recovery(sig.path, s->recovery_start, sig.now))
            on_congestion(c, sig.mss, sig.now, false);
        break;
    case CC_NOTIFICATION_TIMEOUT:
        if (!cc_in_recovery(sig.path, s->recovery_start, sig.now)) {
            on_congestion(c, sig.mss, sig.now, true);
        } else {
            s->cwnd = (2 * sig.mss) << FP_SHIFT;
            s->recovery_start = 0;
            s->w_max = 0;
            s->k = 0;
            s->epoch_start = NO_EPOCH;
            c->has_prior = 0;
        }
        break;
    case CC_NOTIFICATION_SPURIOUS_REPEAT:
        if (c->has_prior) {
            uint64_t cwnd = s->cwnd;
            *s = c->prior;
            s->cwnd = cc_max(cwnd, c->prior.cwnd);
            s->recovery_start = 0;
            c->has_prior = 0;
        }
        break;
    default:
        return 0;
    }
    set_path(sig.path, AK_PATH_CWIN, 0, s->cwnd >> FP_SHIFT);
    return 0;
}
