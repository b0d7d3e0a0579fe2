/*
 * congestion_algorithm_notify post (inputs: path, notification, packets,
 * rtt_measurement, nb_bytes, now): TCP Westwood+, setting the window after
 * every congestion signal (see pquic_cc.h for why a post).
 *
 * - Bandwidth estimate (BWE): the bytes acknowledged over a sample of at
 *   least one RTT (the "+" of Westwood+: one sample per RTT, not per ACK),
 *   divided by its duration, through Westwood's two-stage low-pass filter
 *   (x = (7x + sample) / 8, twice, as Linux's tcp_westwood), in bytes per
 *   second; sampling starts once the handshake is confirmed.
 * - Growth: slow start and congestion avoidance as NewReno's (RFC 9002
 *   §7.3.1, §7.3.3), not during a recovery period.
 * - On a congestion event (loss, ECN-CE; RFC 9002 §7.3.2), once per recovery
 *   period: ssthresh = cwnd = max(BWE × RTTmin, 2 × max_datagram_size),
 *   never above the window it replaces, instead of halving. Before the first
 *   bandwidth sample the window halves (there is no estimate yet).
 * - On persistent congestion (RFC 9002 §7.6.2): ssthresh = BWE × RTTmin, the
 *   window collapses to 2 × max_datagram_size (Westwood's reaction to a
 *   retransmission timeout).
 * - A spurious loss restores the window and ssthresh from before it.
 *
 * The recovery period (RFC 9002 §7.3.2) is judged by the send time of the
 * largest acknowledged packet (cc_in_recovery): a pluglet gets no per-packet
 * send times.
 */
#include "westwood.h"

/* One bandwidth sample per RTT, filtered twice (Westwood+). */
static __inline__ void sample_bandwidth(picoquic_path_t *path, westwood_t *w, uint64_t bytes,
                                        uint64_t rtt, uint64_t now)
{
    w->bk += bytes;
    if (rtt == 0)
        rtt = get_path(path, AK_PATH_SMOOTHED_RTT, 0);
    uint64_t delta = now - w->sample_start;
    if (rtt == 0 || delta <= cc_max(rtt, WESTWOOD_MIN_SAMPLE_US))
        return;
    uint64_t sample = w->bk * US_PER_S / delta;
    if (w->v[WW_SAMPLES] == 0) {
        w->bw_ns_est = sample;
        w->v[WW_BWE] = sample;
    } else {
        w->bw_ns_est = (7 * w->bw_ns_est + sample) / 8;
        w->v[WW_BWE] = (7 * w->v[WW_BWE] + w->bw_ns_est) / 8;
    }
    w->v[WW_SAMPLES]++;
    w->bk = 0;
    w->sample_start = now;
}

/* A congestion event: the window becomes BWE × RTTmin. Returns the new window. */
static __inline__ uint64_t congestion_event(picoquic_path_t *path, westwood_t *w, uint64_t mss,
                                            uint64_t now, bool persistent)
{
    uint64_t cwnd = w->v[WW_CWND];
    uint64_t rtt_min = get_path(path, AK_PATH_RTT_MIN, 0);
    uint64_t bwe = w->v[WW_BWE];
    uint64_t target;
    if (bwe == 0 || rtt_min == 0)
        target = cwnd / 2;
    else
        target = bwe * rtt_min / US_PER_S;
    if (target > cwnd)
        target = cwnd;
    target = cc_max(target, 2 * mss);
    w->prior_cwnd = cwnd;
    w->prior_ssthresh = w->v[WW_SSTHRESH];
    w->v[WW_SSTHRESH] = target;
    w->v[WW_CWND] = persistent ? 2 * mss : target;
    w->v[WW_RTT_MIN] = rtt_min;
    w->v[WW_CONGESTION_EVENTS]++;
    w->v[WW_LAST_CWND_BEFORE] = cwnd;
    w->v[WW_LAST_CWND_AFTER] = w->v[WW_CWND];
    w->v[WW_LAST_BWE] = bwe;
    w->recovery_start = now;
    w->avoidance_acked = 0;
    uint64_t values[5] = { cwnd, w->v[WW_CWND], target, bwe, rtt_min };
    qlog_event("westwood:congestion", "cwnd_before,cwnd,ssthresh,bwe,rtt_min", values, 5);
    return w->v[WW_CWND];
}

protoop_arg_t westwood_notify(picoquic_cnx_t *cnx)
{
    cc_signal_t sig;
    westwood_t *w = (westwood_t *)cc_begin(cnx, WESTWOOD_SLOT, sizeof(westwood_t), &sig);
    if (w == NULL)
        return 0;
    if (!w->initialised) {
        w->initialised = 1;
        w->v[WW_CWND] = get_path(sig.path, AK_PATH_CWIN, 0);
        w->v[WW_SSTHRESH] = UINT64_MAX;
    }
    uint64_t cwnd = w->v[WW_CWND];
    switch (sig.notification) {
    case CC_NOTIFICATION_ACKNOWLEDGEMENT: {
        uint64_t bytes = sig.nb_bytes;
        if (w->sample_start == 0) {
            /* Samples start with the handshake confirmed: the handshake's sparse flights would
             * make a first estimate far below the path's rate. */
            if (get_cnx(cnx, AK_CNX_HANDSHAKE_CONFIRMED, 0) != 0)
                w->sample_start = sig.now;
        } else {
            sample_bandwidth(sig.path, w, bytes, sig.rtt_measurement, sig.now);
        }
        if (cc_in_recovery(sig.path, w->recovery_start, sig.now))
            break;
        if (cwnd < w->v[WW_SSTHRESH]) {
            cwnd += bytes; /* RFC 9002 §7.3.1 */
        } else {
            /* RFC 9002 §7.3.3: one datagram per window acknowledged. */
            w->avoidance_acked += bytes;
            if (w->avoidance_acked >= cwnd) {
                w->avoidance_acked -= cwnd;
                cwnd += sig.mss;
            }
        }
        w->v[WW_CWND] = cwnd;
        break;
    }
    case CC_NOTIFICATION_REPEAT:
    case CC_NOTIFICATION_CONGESTION_EXPERIENCED:
        if (!cc_in_recovery(sig.path, w->recovery_start, sig.now))
            cwnd = congestion_event(sig.path, w, sig.mss, sig.now, false);
        break;
    case CC_NOTIFICATION_TIMEOUT:
        if (!cc_in_recovery(sig.path, w->recovery_start, sig.now)) {
            cwnd = congestion_event(sig.path, w, sig.mss, sig.now, true);
        } else {
            cwnd = 2 * sig.mss;
            w->v[WW_CWND] = cwnd;
            w->v[WW_LAST_CWND_AFTER] = cwnd;
        }
        w->recovery_start = 0; /* RFC 9002 §7.6.2: the recovery period ends */
        break;
    case CC_NOTIFICATION_SPURIOUS_REPEAT:
        if (w->prior_cwnd != 0) {
            if (w->prior_cwnd > cwnd)
                cwnd = w->prior_cwnd;
            w->v[WW_CWND] = cwnd;
            w->v[WW_SSTHRESH] = w->prior_ssthresh;
            w->prior_cwnd = 0;
            w->recovery_start = 0;
        }
        break;
    default:
        return 0;
    }
    set_path(sig.path, AK_PATH_CWIN, 0, cwnd);
    return 0;
}
