/*
 * pquic_cc.h: conveniences for congestion-control plugins, on top of pquic.h
 * (the built-in westwood and cubic plugins use them).
 *
 * A congestion-control plugin hooks congestion_algorithm_notify (inputs:
 * path, notification, packets, rtt_measurement, nb_bytes, now) and sets the
 * window with set_path(AK_PATH_CWIN). It runs as a `post` of the core
 * default: the core controller reacts first, then the plugin sets the window
 * its own algorithm wants, so the window after every signal is the plugin's.
 * Not a `replace` (PQUIC's anchor): the core controller is also what counts
 * bytes in flight (RFC 9002 §B.5, §B.8) as acknowledgements and losses reach
 * it, so with its reaction replaced nothing would ever leave the flight and
 * the window would fill for good.
 */
#ifndef PQUIC_CC_H
#define PQUIC_CC_H
#include "pquic.h"

/* congestion_algorithm_notify's notification (PQUIC's enum). */
#define CC_NOTIFICATION_ACKNOWLEDGEMENT 0
#define CC_NOTIFICATION_REPEAT 1
#define CC_NOTIFICATION_TIMEOUT 2
#define CC_NOTIFICATION_SPURIOUS_REPEAT 3
#define CC_NOTIFICATION_RTT_MEASUREMENT 4
#define CC_NOTIFICATION_CWIN_BLOCKED 5
#define CC_NOTIFICATION_BW_MEASUREMENT 6
#define CC_NOTIFICATION_CONGESTION_EXPERIENCED 7

#define US_PER_S 1000000

static __inline__ uint64_t cc_max(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* The notified path: input 0, or the connection's path 0 when the input is null. */
static __inline__ picoquic_path_t *cc_path(picoquic_cnx_t *cnx)
{
    picoquic_path_t *path = (picoquic_path_t *)get_cnx(cnx, AK_CNX_INPUT, 0);
    if (path == NULL)
        path = (picoquic_path_t *)get_cnx(cnx, AK_CNX_PATH, 0);
    return path;
}

/* One congestion_algorithm_notify call, its inputs read. */
typedef struct {
    picoquic_path_t *path;     /* cc_path */
    uint64_t notification;     /* CC_NOTIFICATION_* */
    uint64_t rtt_measurement;  /* µs: the latest RTT sample, with acknowledgements */
    uint64_t nb_bytes;         /* bytes of the packets acknowledged or lost */
    uint64_t now;              /* µs */
    uint64_t mss;              /* the path's max_datagram_size, bytes */
} cc_signal_t;

/* Reads the inputs of the running congestion_algorithm_notify (and the path's datagram size). */
static __inline__ void cc_read_signal(picoquic_cnx_t *cnx, cc_signal_t *sig)
{
    sig->path = cc_path(cnx);
    sig->notification = get_cnx(cnx, AK_CNX_INPUT, 1);
    sig->rtt_measurement = get_cnx(cnx, AK_CNX_INPUT, 3);
    sig->nb_bytes = get_cnx(cnx, AK_CNX_INPUT, 4);
    sig->now = get_cnx(cnx, AK_CNX_INPUT, 5);
    sig->mss = get_path(sig->path, AK_PATH_SEND_MTU, 0);
    if (sig->mss == 0)
        sig->mss = 1200; /* RFC 9000 §14's smallest, should a path have none */
}

/* Starts a notification: reads the signal into *sig and returns the plugin's state (size bytes,
 * connection metadata slot `slot`, zeroed at first), NULL when the heap is full. */
static __inline__ void *cc_begin(picoquic_cnx_t *cnx, uint64_t slot, uint64_t size, cc_signal_t *sig)
{
    cc_read_signal(cnx, sig);
    return get_cnx_state(cnx, slot, size);
}

/*
 * When the largest acknowledged packet of the Application space was sent, µs
 * (0: none yet): the later of AK_PKTCTX_LATEST_TIME_ACKNOWLEDGED and
 * now − latest_rtt (the latest RTT sample is that packet's when the ACK
 * being processed newly acknowledged it).
 */
static __inline__ uint64_t cc_largest_acked_sent(picoquic_path_t *path, uint64_t now)
{
    uint64_t t = 0;
    picoquic_packet_context_t *pc =
        (picoquic_packet_context_t *)get_path(path, AK_PATH_PKT_CTX, PQUIC_SPACE_APPLICATION);
    if (pc != NULL) {
        t = get_pkt_ctx(pc, AK_PKTCTX_LATEST_TIME_ACKNOWLEDGED);
        if (t == UINT64_MAX)
            t = 0;
    }
    uint64_t latest = get_path(path, AK_PATH_RTT_LATEST, 0);
    if (latest != 0 && latest <= now && now - latest > t)
        t = now - latest;
    return t;
}

/*
 * RFC 9002 §7.3.2: whether a signal at `now` still belongs to the recovery
 * period that began at `recovery_start` (0: none), i.e. whether the
 * packets acknowledged so far were all sent before it began. A pluglet gets
 * no per-packet send times, so the largest acknowledged packet's stands for
 * the packets of the signal.
 */
static __inline__ bool cc_in_recovery(picoquic_path_t *path, uint64_t recovery_start, uint64_t now)
{
    if (recovery_start == 0)
        return false;
    return cc_largest_acked_sent(path, now) <= recovery_start;
}

#endif /* PQUIC_CC_H */
