/*
 * The datagram plugin (RFC 9221, "An Unreliable Datagram Extension to QUIC"):
 * the max_datagram_frame_size transport parameter (0x20), DATAGRAM frames
 * 0x30 (no length: the data runs to the end of the packet) and 0x31 (with a
 * length), and the application API as extern protoops (datagram_send,
 * datagram_get_max_size, datagram_get_counter).
 *
 * PQUIC's datagram plugin (be.mpiraux.datagram) predates RFC 9221: frame
 * types 0x2c-0x2f, no transport parameter, an AF_UNIX socket to the
 * application. This one speaks RFC 9221 on the wire, so it talks to any
 * QUIC stack with datagrams (quinn, ngtcp2), and hands datagrams to the
 * application as the connection's "datagram" events (datagram_deliver).
 *
 * State: one datagram_state_t on the plugin heap, found through connection
 * metadata slot 0 (PQUIC's convention), allocated by whichever pluglet runs
 * first. Each datagram waiting to be sent is one heap block, its address the
 * frame_ctx of its frame reservation, freed once written (or by notify_frame
 * when it never is): DATAGRAM frames are never retransmitted (RFC 9221 §5.2).
 */
#ifndef DATAGRAM_H
#define DATAGRAM_H
#include "pquic.h"

#define DATAGRAM_SLOT 0

/* RFC 9221 §3: the transport parameter; §4: the frame types. */
#define TP_MAX_DATAGRAM_FRAME_SIZE 0x20
#define FT_DATAGRAM 0x30
#define FT_DATAGRAM_LEN 0x31

/* What we advertise: the largest DATAGRAM frame we accept (as quinn and Deno do). */
#define LOCAL_MAX_FRAME_SIZE 65535
/* Room kept in a packet for its header (1 + 20 CID + 4 PN), the AEAD tag (16) and an
 * ACK frame: the native DATAGRAM path keeps the same 64 bytes (connection.ts). */
#define PACKET_OVERHEAD 64
/* Most datagrams, and payload bytes, waiting to be sent: arbitrary bounds on the heap they
 * hold (past them datagram_send refuses), which leave the rest of the plugin's 2 MiB for
 * receiving (one datagram at a time, at most 65527 bytes). */
#define MAX_QUEUED 1024
#define MAX_QUEUED_BYTES (1024 * 1024)

/* notify_frame's received input (CATALOGUE.md). */
#define NOTIFY_LOST 0
#define NOTIFY_ACKED 1
#define NOTIFY_NEVER_WRITTEN 2

/* write_frame's status: 0 written, 0x801 retry in the next packet (PQUIC). */
#define WRITE_RETRY_NEXT_PACKET 0x801

/* datagram_send's results. */
#define SEND_QUEUED 0
#define SEND_TOO_LARGE 1
#define SEND_NO_MEMORY 2

/* datagram_get_counter's input. */
#define DG_SENT 0          /* frames written into packets */
#define DG_RECEIVED 1      /* frames received and delivered */
#define DG_ACKED 2         /* frames whose packet was acknowledged */
#define DG_LOST 3          /* frames whose packet was lost (not sent again) */
#define DG_REFUSED 4       /* datagram_send calls refused */
#define DG_NEVER_WRITTEN 5 /* booked frames dropped unsent (connection closing) */
#define DG_HELD 6          /* datagrams queued now (booked, not yet written) */
#define DG_PEER_MAX 7      /* the peer's max_datagram_frame_size (0: none) */
#define DG_DROPPED 8       /* frames received but dropped: no heap left to hold them */
#define DG_QUEUED_BYTES 9  /* payload bytes queued now */
#define DG_COUNTERS 10

typedef struct {
    uint64_t c[DG_COUNTERS];
    /* 1 once the peer's max_datagram_frame_size arrived. */
    uint64_t peer_allows;
    /* The DATAGRAM frame being received: parse_frame copies it here, process_frame
     * delivers it (one frame at a time: core parses and processes each frame in turn). */
    uint8_t *rx;
    uint64_t rx_len;
    uint64_t rx_pending;
} datagram_state_t;

/* One datagram waiting to be sent: its frame_ctx. */
typedef struct {
    uint64_t len;
    uint8_t data[];
} datagram_out_t;

static __inline__ datagram_state_t *datagram_state(picoquic_cnx_t *cnx)
{
    datagram_state_t *s = (datagram_state_t *)get_cnx_metadata(cnx, DATAGRAM_SLOT);
    if (s == NULL) {
        s = (datagram_state_t *)my_malloc(cnx, sizeof(datagram_state_t));
        if (s == NULL)
            return NULL;
        my_memset(s, 0, sizeof(datagram_state_t));
        set_cnx_metadata(cnx, DATAGRAM_SLOT, (uint64_t)s);
    }
    return s;
}

/* Bytes of a varint holding v (RFC 9000 §16). */
static __inline__ uint64_t varint_size(uint64_t v)
{
    return v < 0x40 ? 1 : v < 0x4000 ? 2 : v < 0x40000000 ? 4 : 8;
}

/* The largest payload we may send now: the peer's frame limit less the type and length
 * (RFC 9221 §3), and what fits in one packet on the current path; 0 when the peer takes
 * no datagrams. */
static __inline__ uint64_t datagram_max_payload(picoquic_cnx_t *cnx, datagram_state_t *s)
{
    uint64_t peer = s->c[DG_PEER_MAX];
    if (!s->peer_allows || peer < 3)
        return 0;
    uint64_t max = peer - 1;
    max -= varint_size(max);
    picoquic_path_t *path = (picoquic_path_t *)get_cnx(cnx, AK_CNX_PATH, 0);
    uint64_t mtu = get_path(path, AK_PATH_SEND_MTU, 0);
    uint64_t room = mtu > PACKET_OVERHEAD + 3 ? mtu - PACKET_OVERHEAD - 3 : 0;
    return max < room ? max : room;
}

#endif
