/*
 * pquic.h: the one header a pquic plugin includes.
 *
 * A pluglet is a C function compiled for eBPF:
 *
 *     clang-14 -O2 -target bpf -mcpu=v3 -I plugins/include -c my_pluglet.c -o my_pluglet.o
 *
 *     #include "pquic.h"
 *     protoop_arg_t my_pluglet(picoquic_cnx_t *cnx) { ... return 0; }
 *
 * The first global function of the object is the entry; it receives the
 * connection in r1 and returns a 64-bit value (the protoop's return value for
 * replace/extern pluglets; ignored for pre/post).
 *
 * Names and meanings follow PQUIC (picoquic/getset.h, picoquic/ubpf.c,
 * plugins/helpers.h) wherever our transport has the same concept, so PQUIC
 * plugin sources port with few changes. Helpers are bound by name when the
 * object is loaded. plugins/helper_ids.ts is the reference table; a test
 * checks this header against it.
 *
 * Rules of the sandbox (stricter than PQUIC's):
 * - A pluglet reaches only its own memory: data (.rodata/.data/.bss, private
 *   to each object file), a 4 KiB stack and the plugin heap (my_malloc),
 *   shared by all pluglets of the plugin on one connection. Every load and
 *   store is bounds-checked.
 * - Host objects (paths, packets, streams, buffers, connection IDs) are
 *   opaque handles, not pointers: pass them to the helpers below. Bytes of a
 *   host buffer are copied with my_memcpy_from_host/my_memcpy_to_host.
 * - Every pointer and length a helper receives is checked. A bad argument
 *   (unknown access key, read-only key written, metadata index above 9, a
 *   pointer outside plugin memory, an unknown handle, double free) is a
 *   fault: the plugin is removed from the connection, which is closed with
 *   INTERNAL_ERROR naming the plugin and the fault. So are running out of
 *   the instruction budget and touching memory out of bounds.
 * - Writable globals work but are per object file, not shared between the
 *   pluglets of a plugin: keep shared state in the heap and point to it from
 *   a metadata slot (PQUIC's convention).
 * - Divide unsigned: clang-14 refuses signed division on BPF.
 * - Nothing reaches outside the connection: no sockets, files or clocks.
 */
#ifndef PQUIC_H
#define PQUIC_H

typedef __UINT8_TYPE__ uint8_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __INT32_TYPE__ int32_t;
typedef __INT64_TYPE__ int64_t;
typedef __SIZE_TYPE__ size_t;
#ifndef __cplusplus
typedef _Bool bool;
#define true 1
#define false 0
#endif
#ifndef NULL
#define NULL ((void *)0)
#endif

/* Every protoop argument, output and return value is 64 bits. */
typedef uint64_t protoop_arg_t;
/* Access keys and params travel as 64-bit values (PQUIC: uint16_t). */
typedef uint64_t access_key_t;
typedef uint64_t param_id_t;

/* Opaque host objects: handles, never dereferenced by a pluglet. */
typedef struct picoquic_cnx picoquic_cnx_t;
typedef struct picoquic_path picoquic_path_t;
typedef struct picoquic_packet_context picoquic_packet_context_t;
typedef struct picoquic_packet picoquic_packet_t;
typedef struct picoquic_connection_id picoquic_connection_id_t;
typedef struct picoquic_stream_head picoquic_stream_head;
typedef struct picoquic_packet_header picoquic_packet_header;
/* A host byte buffer (received packet, frame writer, transport parameter value). */
typedef uint64_t host_buffer_t;

/* ---- constants ------------------------------------------------------------------------------ */

/* The param of a call to a protoop that takes none. */
#define NO_PARAM 0xffff
/* Most inputs of a protoop call. */
#define PROTOOPARGS_MAX 16
/* Metadata slots per (object, plugin): indices 0..9. */
#define METADATA_SLOTS 10
/* Most arguments of helper_log. */
#define HELPER_LOG_MAX_ARGS 16
/* Most fields of one qlog_event. */
#define QLOG_MAX_FIELDS 32

/* Packet number spaces (param of AK_PATH_PKT_CTX; value of AK_PKT_CONTEXT, AK_PH_EPOCH). */
#define PQUIC_SPACE_INITIAL 0
#define PQUIC_SPACE_HANDSHAKE 1
#define PQUIC_SPACE_APPLICATION 2

/* Connection states (AK_CNX_STATE; connection_state_changed inputs). */
#define PQUIC_STATE_HANDSHAKE 0
#define PQUIC_STATE_ESTABLISHED 1
#define PQUIC_STATE_CLOSING 2
#define PQUIC_STATE_DRAINING 3
#define PQUIC_STATE_DRAINED 4

/* Params of AK_CNX_LOCAL_PARAMETER / AK_CNX_REMOTE_PARAMETER (PQUIC's order, not wire ids). */
#define TRANSPORT_PARAMETER_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL 0x00
#define TRANSPORT_PARAMETER_INITIAL_MAX_DATA 0x01
#define TRANSPORT_PARAMETER_INITIAL_MAX_STREAMS_BIDI 0x02
/* max_idle_timeout, µs */
#define TRANSPORT_PARAMETER_IDLE_TIMEOUT 0x03
/* max_udp_payload_size, bytes */
#define TRANSPORT_PARAMETER_MAX_PACKET_SIZE 0x05
#define TRANSPORT_PARAMETER_ACK_DELAY_EXPONENT 0x07
#define TRANSPORT_PARAMETER_INITIAL_MAX_STREAMS_UNI 0x08
#define TRANSPORT_PARAMETER_MIGRATION_DISABLED 0x09
#define TRANSPORT_PARAMETER_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE 0x0a
#define TRANSPORT_PARAMETER_INITIAL_MAX_STREAM_DATA_UNI 0x0b
/* ours: max_ack_delay, µs */
#define TRANSPORT_PARAMETER_MAX_ACK_DELAY 0x80
/* ours: max_datagram_frame_size (RFC 9221), bytes; 0 when absent */
#define TRANSPORT_PARAMETER_MAX_DATAGRAM_FRAME_SIZE 0x81

/* ---- access keys: get_cnx / set_cnx (values 0x80+ are ours) --------------------------------- */

/* Input `param` of the running protoop (read-only); refs are handles. */
#define AK_CNX_INPUT 0x00
/* Output `param` of the running protoop (replace/extern write; post may overwrite). */
#define AK_CNX_OUTPUT 0x01
/* QUIC version in use. */
#define AK_CNX_PROPOSED_VERSION 0x02
/* 1 when 0-RTT was accepted. */
#define AK_CNX_IS_0RTT_ACCEPTED 0x03
/* 1 once the peer's transport parameters arrived. */
#define AK_CNX_REMOTE_PARAMETERS_RECEIVED 0x04
/* PQUIC's spelling. */
#define AK_CNX_REMOTE_PARMETERS_RECEIVED AK_CNX_REMOTE_PARAMETERS_RECEIVED
/* 1 on the client side. */
#define AK_CNX_CLIENT_MODE 0x06
/* Our transport parameter `param` (TRANSPORT_PARAMETER_*). */
#define AK_CNX_LOCAL_PARAMETER 0x0b
/* The peer's transport parameter `param` (TRANSPORT_PARAMETER_*); 0 before they arrive. */
#define AK_CNX_REMOTE_PARAMETER 0x0c
/* Connection state (PQUIC_STATE_*); read-only (PQUIC let plugins set it). */
#define AK_CNX_STATE 0x0e
/* Handle of the original destination connection ID (get_cnxid). */
#define AK_CNX_INITIAL_CID 0x0f
/* When the connection started, µs. */
#define AK_CNX_START_TIME 0x10
/* Next timer deadline, µs; UINT64_MAX when none. */
#define AK_CNX_NEXT_WAKE_TIME 0x16
/* Packets declared lost. */
#define AK_CNX_NB_RETRANSMISSION_TOTAL 0x1c
/* Losses later found spurious. */
#define AK_CNX_NB_SPURIOUS 0x1d
/* Bytes of UDP payload sent. */
#define AK_CNX_DATA_SENT 0x24
/* Bytes of UDP payload received. */
#define AK_CNX_DATA_RECEIVED 0x25
/* Connection flow control limit we granted, bytes. */
#define AK_CNX_MAXDATA_LOCAL 0x26
/* Connection flow control limit the peer granted, bytes. */
#define AK_CNX_MAXDATA_REMOTE 0x27
/* Keep-alive interval, µs (0: off). */
#define AK_CNX_KEEP_ALIVE_INTERVAL 0x2c
/* Number of paths. */
#define AK_CNX_NB_PATHS 0x2d
/* Handle of path number `param` (0: the current path). */
#define AK_CNX_PATH 0x2e
/* Return value of the protoop body; meaningful in post pluglets. */
#define AK_CNX_RETURN_VALUE 0x34
/* 1 once the handshake is complete. */
#define AK_CNX_HANDSHAKE_DONE 0x3d
/* ours: param of the running protoop (frame type, TP id), NO_PARAM for others. */
#define AK_CNX_PROTOOP_PARAM 0x80
/* ours: 1 once the handshake is confirmed (RFC 9001 §4.1.2). */
#define AK_CNX_HANDSHAKE_CONFIRMED 0x81
/* ours: number of inputs of the running protoop. */
#define AK_CNX_INPUT_COUNT 0x82
/* ours: packets sent. */
#define AK_CNX_NB_PACKETS_SENT 0x83
/* ours: packets received. */
#define AK_CNX_NB_PACKETS_RECEIVED 0x84

/* ---- access keys: get_path / set_path ------------------------------------------------------- */

/* 1 once the path is validated. */
#define AK_PATH_CHALLENGE_VERIFIED 0x0a
/* The peer's max_ack_delay, µs. */
#define AK_PATH_MAX_ACK_DELAY 0x0d
/* smoothed_rtt, µs (RFC 9002 §5.3). */
#define AK_PATH_SMOOTHED_RTT 0x0e
/* rttvar, µs. */
#define AK_PATH_RTT_VARIANT 0x0f
/* Current probe timeout, µs (RFC 9002 §6.2.1). */
#define AK_PATH_RETRANSMIT_TIMER 0x10
/* min_rtt, µs (0 before the first sample). */
#define AK_PATH_RTT_MIN 0x11
/* max_datagram_size, bytes. */
#define AK_PATH_SEND_MTU 0x15
/* Congestion window, bytes. Writable: setting it pins the window (UINT64_MAX: unlimited). */
#define AK_PATH_CWIN 0x17
/* Bytes in flight. */
#define AK_PATH_BYTES_IN_TRANSIT 0x18
/* Handle of the connection ID the peer sends to (get_cnxid). */
#define AK_PATH_LOCAL_CID 0x1e
/* Handle of the connection ID we send to (get_cnxid). */
#define AK_PATH_REMOTE_CID 0x1f
/* Handle of packet number space `param` (PQUIC_SPACE_*). */
#define AK_PATH_PKT_CTX 0x21
/* Packets sent on the path. */
#define AK_PATH_NB_PKT_SENT 0x22
/* ours: latest_rtt, µs. */
#define AK_PATH_RTT_LATEST 0x80
/* ours: slow start threshold, bytes (UINT64_MAX: none yet). */
#define AK_PATH_SSTHRESH 0x81
/* ours: 1 while sending is paced (RFC 9002 §7.7). Writable: 0 turns pacing off. */
#define AK_PATH_PACING_ENABLED 0x82

/* ---- access keys: get_pkt_ctx / set_pkt_ctx (a packet number space) ------------------------- */

/* Next packet number to send. */
#define AK_PKTCTX_SEND_SEQUENCE 0x00
/* Delay before we send an ACK, µs. Writable. */
#define AK_PKTCTX_ACK_DELAY_LOCAL 0x05
/* Largest packet number the peer acknowledged (UINT64_MAX: none). */
#define AK_PKTCTX_HIGHEST_ACKNOWLEDGED 0x08
/* When that packet was sent, µs. */
#define AK_PKTCTX_LATEST_TIME_ACKNOWLEDGED 0x09
/* 1 when an ACK is owed. */
#define AK_PKTCTX_ACK_NEEDED 0x0e
/* ours: largest packet number received (UINT64_MAX: none). */
#define AK_PKTCTX_LARGEST_RECEIVED 0x80
/* ours: ack-eliciting packets received before an ACK is sent at once (RFC 9000 §13.2.2: 2).
 * Writable (1..255); packets out of order are still acknowledged at once. */
#define AK_PKTCTX_ACK_ELICITING_THRESHOLD 0x81

/* ---- access keys: get_pkt (a sent packet; read-only) ---------------------------------------- */

/* Packet number. */
#define AK_PKT_SEQUENCE_NUMBER 0x03
/* When it was sent, µs. */
#define AK_PKT_SEND_TIME 0x04
/* Size, bytes. */
#define AK_PKT_LENGTH 0x05
/* Packet number space (PQUIC_SPACE_*). */
#define AK_PKT_CONTEXT 0x09
/* 1 when not ack-eliciting. */
#define AK_PKT_IS_PURE_ACK 0x0b
/* 1 when counted in bytes in flight. */
#define AK_PKT_IS_CONGESTION_CONTROLLED 0x0d
/* 1 for a PMTU probe. */
#define AK_PKT_IS_MTU_PROBE 0x10
/* ours: number of frames it carried. */
#define AK_PKT_NB_FRAMES 0x80

/* ---- access keys: get_cnxid (read-only) ----------------------------------------------------- */

/* Handle of the ID's bytes, a host buffer (my_memcpy_from_host). */
#define AK_CNXID_ID 0x00
/* Length, bytes (0–20). */
#define AK_CNXID_LEN 0x01

/* ---- access keys: get_stream_head (read-only; values 0x02+ are ours) ------------------------ */

/* 1 when the stream has something to send now: lost data, new data within its and the
 * connection's credit, or a FIN (PQUIC's send_queue, there a pointer). */
#define AK_STREAMHEAD_SEND_QUEUE 0x00
/* Bytes the application read. */
#define AK_STREAMHEAD_CONSUMED_OFFSET 0x01
/* Stream id. */
#define AK_STREAMHEAD_STREAM_ID 0x02
/* Bytes sent at least once. */
#define AK_STREAMHEAD_SENT_OFFSET 0x03
/* Bytes the application wrote. */
#define AK_STREAMHEAD_SENDING_OFFSET 0x04
/* Stream flow control limit we granted, bytes. */
#define AK_STREAMHEAD_MAX_DATA_LOCAL 0x05
/* Stream flow control limit the peer granted, bytes. */
#define AK_STREAMHEAD_MAX_DATA_REMOTE 0x06
/* 1 once FIN was sent. */
#define AK_STREAMHEAD_FIN_SENT 0x07
/* 1 once FIN was received. */
#define AK_STREAMHEAD_FIN_RECEIVED 0x08

/* ---- access keys: get_ph (a received packet header; read-only; 0x05 is ours) ---------------- */

/* Handle of the destination connection ID. */
#define AK_PH_DESTINATION_CNXID 0x00
/* Header length, bytes. */
#define AK_PH_OFFSET 0x01
/* Payload length, bytes. */
#define AK_PH_PAYLOAD_LENGTH 0x02
/* Packet number. */
#define AK_PH_SEQUENCE_NUMBER 0x03
/* Packet number space (PQUIC_SPACE_*). */
#define AK_PH_EPOCH 0x04
/* Packet type: 0 Initial, 1 0-RTT, 2 Handshake, 3 Retry, 4 1-RTT. */
#define AK_PH_PTYPE 0x05

/* ---- structures shared with helpers (fixed layout) ------------------------------------------ */

/* plugin_run_protoop's parameters (24 bytes). */
typedef struct protoop_params {
    uint16_t param;            /* offset 0: frame type / TP id, or NO_PARAM */
    uint8_t caller_is_intern;  /* offset 2: ignored (pluglets may call externs) */
    uint8_t outputc;           /* offset 3: room in outputv, entries (0: PROTOOPARGS_MAX) */
    int32_t inputc;            /* offset 4: number of inputs, 0..16 */
    protoop_arg_t *inputv;     /* offset 8: inputs (may be NULL when inputc is 0) */
    protoop_arg_t *outputv;    /* offset 16: room for the outputs, or NULL to drop them */
} protoop_params_t;

/* One frame booked by reserve_frames (32 bytes). */
typedef struct reserve_frame_slot {
    uint64_t nb_bytes;                 /* offset 0: most bytes write_frame may write, 1..65535 */
    uint64_t frame_type;               /* offset 8: param of write_frame / notify_frame */
    uint64_t frame_ctx;                /* offset 16: the plugin's value, handed back to them */
    uint8_t is_congestion_controlled;  /* offset 24 */
    uint8_t is_retransmittable;        /* offset 25: makes the packet ack-eliciting */
    uint8_t low_priority;              /* offset 26: accepted for PQUIC sources, ignored */
    uint8_t reserved[5];
} reserve_frame_slot_t;

/* ---- helpers -------------------------------------------------------------------------------- */
/* `cnx` arguments take the connection a pluglet received; they are not otherwise used.          */

/* Runs protoop `name` (catalogue or extern) with pp->param, pp->inputc inputs from pp->inputv;
 * outputs go to pp->outputv. Returns the protoop's return value. An unknown protoop, a loop into a
 * running one or more than 16 inputs fault. */
extern protoop_arg_t plugin_run_protoop(picoquic_cnx_t *cnx, protoop_params_t *pp, const char *name, void *unused);
/* Books nb_frames (1..16) frames described by slots for sending; write_frame[frame_type] writes
 * each later. Returns the bytes booked, 0 when refused (e.g. outside a pluglet's turn). */
extern uint64_t reserve_frames(picoquic_cnx_t *cnx, uint64_t nb_frames, reserve_frame_slot_t *slots);
/* Reads connection field `ak` (AK_CNX_*); `param` as the key says, else 0. */
extern protoop_arg_t get_cnx(picoquic_cnx_t *cnx, access_key_t ak, uint64_t param);
/* Writes connection field `ak` (AK_CNX_OUTPUT only). */
extern void set_cnx(picoquic_cnx_t *cnx, access_key_t ak, uint64_t param, protoop_arg_t val);
/* Reads this plugin's connection metadata slot idx (0..9); 0 until written. */
extern uint64_t get_cnx_metadata(picoquic_cnx_t *cnx, uint64_t idx);
/* Writes this plugin's connection metadata slot idx (0..9). */
extern void set_cnx_metadata(picoquic_cnx_t *cnx, uint64_t idx, uint64_t val);
/* Reads path field `ak` (AK_PATH_*). */
extern protoop_arg_t get_path(picoquic_path_t *path, access_key_t ak, uint64_t param);
/* Writes path field `ak` (AK_PATH_CWIN, AK_PATH_PACING_ENABLED). */
extern void set_path(picoquic_path_t *path, access_key_t ak, uint64_t param, protoop_arg_t val);
/* Reads / writes this plugin's metadata slot idx (0..9) of a path. */
extern uint64_t get_path_metadata(picoquic_cnx_t *cnx, picoquic_path_t *path, uint64_t idx);
extern void set_path_metadata(picoquic_cnx_t *cnx, picoquic_path_t *path, uint64_t idx, uint64_t val);
/* Reads packet number space field `ak` (AK_PKTCTX_*). */
extern protoop_arg_t get_pkt_ctx(picoquic_packet_context_t *pkt_ctx, access_key_t ak);
/* Writes packet number space field `ak` (AK_PKTCTX_ACK_DELAY_LOCAL). */
extern void set_pkt_ctx(picoquic_packet_context_t *pkt_ctx, access_key_t ak, protoop_arg_t val);
/* Reads / writes this plugin's metadata slot idx (0..9) of a packet number space. */
extern uint64_t get_pkt_ctx_metadata(picoquic_cnx_t *cnx, picoquic_packet_context_t *pkt_ctx, uint64_t idx);
extern void set_pkt_ctx_metadata(picoquic_cnx_t *cnx, picoquic_packet_context_t *pkt_ctx, uint64_t idx, uint64_t val);
/* Reads sent packet field `ak` (AK_PKT_*). */
extern protoop_arg_t get_pkt(picoquic_packet_t *pkt, access_key_t ak);
/* Reads / writes this plugin's metadata slot idx (0..9) of a sent packet. */
extern uint64_t get_pkt_metadata(picoquic_cnx_t *cnx, picoquic_packet_t *pkt, uint64_t idx);
extern void set_pkt_metadata(picoquic_cnx_t *cnx, picoquic_packet_t *pkt, uint64_t idx, uint64_t val);
/* Reads connection ID field `ak` (AK_CNXID_*). */
extern protoop_arg_t get_cnxid(picoquic_connection_id_t *cnxid, access_key_t ak);
/* Reads stream field `ak` (AK_STREAMHEAD_*). */
extern protoop_arg_t get_stream_head(picoquic_stream_head *stream, access_key_t ak);
/* Reads received packet header field `ak` (AK_PH_*). */
extern protoop_arg_t get_ph(picoquic_packet_header *ph, access_key_t ak);
/* The connection's current time, µs (the time of the event being processed). */
extern uint64_t picoquic_current_time(void);
/* Allocates size bytes of plugin heap, 16-byte aligned; NULL past the plugin's memory limit. */
extern void *my_malloc(picoquic_cnx_t *cnx, uint64_t size);
/* Frees a my_malloc block; NULL is a no-op; a double free or a foreign pointer faults. */
extern void my_free(picoquic_cnx_t *cnx, void *ptr);
/* C realloc on the plugin heap; NULL when it cannot grow (the block then stays). */
extern void *my_realloc(picoquic_cnx_t *cnx, void *ptr, uint64_t size);
/* Copies n bytes inside plugin memory (overlap allowed); returns dst. */
extern void *my_memcpy(void *dst, const void *src, uint64_t n);
/* Fills n bytes of plugin memory with (uint8_t)c; returns dst. */
extern void *my_memset(void *dst, uint64_t c, uint64_t n);
/* Byte swaps of a 16-bit value. */
extern uint64_t my_htons(uint64_t x);
extern uint64_t my_ntohs(uint64_t x);
/* C strncmp / strlen / memcmp on plugin memory (strings over 64 KiB fault). */
extern int strncmp(const char *s1, const char *s2, size_t n);
extern size_t strlen(const char *s);
extern int memcmp(const void *s1, const void *s2, size_t n);
/* Decodes a QUIC varint (RFC 9000 §16) from plugin memory into *n64; returns its length, 0 when
 * max_bytes is too short. */
extern uint64_t picoquic_varint_decode(const uint8_t *bytes, uint64_t max_bytes, uint64_t *n64);
/* Encodes n64 (< 2^62) as a varint into plugin memory; returns its length, 0 when it does not fit. */
extern uint64_t picoquic_varint_encode(uint8_t *bytes, uint64_t max_bytes, uint64_t n64);
/* Length of the varint whose first byte is at bytes: 1, 2, 4 or 8. */
extern uint64_t picoquic_varint_skip(const uint8_t *bytes);
/* Handle of the open stream stream_id, NULL when there is none (never creates one). */
extern picoquic_stream_head *picoquic_find_stream(picoquic_cnx_t *cnx, uint64_t stream_id);
/* Logs fmt (printf: %d %i %u %x %X %c %s %p %%, flags '-' '0', width, l/ll/z/h) with nargs
 * (≤ 16) 64-bit arguments; %s arguments are pointers into plugin memory. */
extern void helper_log(const char *fmt, const uint64_t *args, uint64_t nargs);
/* Emits a qlog event `name` ("category:event") whose data has n (≤ 32) fields, named by the
 * comma-separated `fields`, with the 64-bit values[0..n-1]. */
extern void qlog_event(const char *name, const char *fields, const uint64_t *values, uint64_t n);
/* Length of a host buffer, bytes. */
extern uint64_t host_buffer_length(host_buffer_t buf);
/* Copies n bytes at offset of host buffer buf into plugin memory at dst; returns n. */
extern uint64_t my_memcpy_from_host(void *dst, host_buffer_t buf, uint64_t offset, uint64_t n);
/* Copies n bytes of plugin memory into writable host buffer buf at offset; returns n. */
extern uint64_t my_memcpy_to_host(host_buffer_t buf, uint64_t offset, const void *src, uint64_t n);
/* Decodes a varint at offset of host buffer buf into *n64; returns its length, 0 when short. */
extern uint64_t host_varint_decode(host_buffer_t buf, uint64_t offset, uint64_t *n64);
/* Encodes n64 at offset of writable host buffer buf; returns its length, 0 when no room. */
extern uint64_t host_varint_encode(host_buffer_t buf, uint64_t offset, uint64_t n64);

/* ---- helpers of the datagram plugin (RFC 9221; ids 150-159) ---------------------------------- */

/* Hands len (<= 65527) bytes of plugin memory at src to the application as a received
 * datagram: the connection's "datagram" event, as native DATAGRAM frames give. Returns 0. */
extern uint64_t datagram_deliver(picoquic_cnx_t *cnx, const void *src, uint64_t len);
/* Moves reader (parse_frame's input 0, a host buffer of the bytes from the frame on) n bytes
 * on, past the frame a parser read: parse_frame must leave the reader after its frame.
 * Returns n; more than the bytes left faults. */
extern uint64_t host_reader_skip(host_buffer_t reader, uint64_t n);

/* ---- helpers of the FEC plugin (plugins/fec, FRAMES.md; ids 160-189) ------------------------- */
/* They act on the protoop call in progress: its inputs are the reader, writer or packet. */

/* In parse_frame: writes the source symbol of the packet being received into dst: its packet
 * number (64 bits), the length (16 bits) of the bytes from the reader's position to the end of
 * the packet, then those bytes; network order. Returns its length, 0 when larger than max. */
extern uint64_t fec_received_symbol(void *dst, uint64_t max);
/* In parse_frame param 0x29: reads the SOURCE_FPID frame at the reader and moves the reader
 * past it. Returns its source symbol id, 0 when the frame is short. */
extern uint64_t fec_reader_sfpid(void);
/* In schedule_frames_on_path: writes the source symbol of the packet built (input 0) into dst:
 * its packet number, the length and bytes of its frames from position from (fec_prepare_source's
 * or fec_write_sfpid's result) on; records the packet as source symbol fpid. Returns its length (0 when > max), plus
 * FEC_PENDING (1 << 32) when stream data waits to be sent (fec_stream_data_pending's answer). */
extern uint64_t fec_sent_symbol(uint64_t from, uint64_t fpid, void *dst, uint64_t max);
#define FEC_PENDING (1ULL << 32)
/* A repair symbol protecting source symbols first..first+count-1 (count <= 255) was queued:
 * while it is in flight, their packets' frames are held back if the packets are lost. */
extern void fec_cover_begin(uint64_t first, uint64_t count);
/* That repair symbol was acknowledged, lost or dropped: packets held for it alone are
 * released as lost (their frames sent again) at the next send. */
extern void fec_cover_end(uint64_t first, uint64_t count);
/* The peer rebuilt our packet pn (a RECOVERED frame): its held frames count as delivered.
 * Returns 1 when it was held, 0 otherwise. */
extern uint64_t fec_peer_recovered(uint64_t pn);
/* Processes len bytes of frames at src, rebuilt from repair symbols, as those of 1-RTT packet
 * pn (not acknowledged: RECOVERED tells the peer). Returns 1, or 0 when pn was received. */
extern uint64_t fec_recovered_packet(uint64_t pn, const void *src, uint64_t len);
/* In schedule_frames_on_path of a 1-RTT packet, when stream data waits: writes SOURCE_FPID fpid
 * at the writer's position (counted as a plugin frame sent; not booked: no write_frame run),
 * then keeps slack bytes free at the end of the packet being built and allows at most cap bytes
 * of frames after the SFPID. Returns the position after it, where the packet's source symbol
 * starts (for fec_sent_symbol); 0 when nothing was written (other space, no data, no room). */
extern uint64_t fec_prepare_source(uint64_t fpid, uint64_t slack, uint64_t cap);
/* 1 when stream data waits to be sent, else 0. */
extern uint64_t fec_stream_data_pending(void);
/* In write_frame param 0x29: writes SOURCE_FPID fpid into the writer and sets the outputs
 * (5 bytes, not ack-eliciting). Returns the position after it, where the packet's source
 * symbol starts (for fec_sent_symbol), 0 when it does not fit (retry in the next packet). */
extern uint64_t fec_write_sfpid(uint64_t fpid);
/* GF(2^8) (polynomial 0x11d) on plugin memory: dst[0..n) += c * src[0..n); addition is XOR, so
 * c = 1 XORs src into dst. The regions must not overlap. */
extern void fec_region_addmul(void *dst, const void *src, uint64_t c, uint64_t n);
/* GF(2^8) on plugin memory: dst[0..n) *= c. */
extern void fec_region_scale(void *dst, uint64_t c, uint64_t n);
/* In write_frame: writes the n-byte frame at src (plugin memory) into the writer (input 1) and
 * sets the outputs (n bytes, retransmittable or not): what a pluglet does with get_cnx,
 * my_memcpy_to_host and set_cnx, in one call. Returns 1, 0 when it does not fit (input 2). */
extern uint64_t fec_write_frame(const void *src, uint64_t n, uint64_t retransmittable);

/* ---- conveniences (PQUIC's plugins/helpers.h) ------------------------------------------------ */

static __inline__ protoop_arg_t run_noparam(picoquic_cnx_t *cnx, const char *name, int inputc,
                                            protoop_arg_t *inputv, protoop_arg_t *outputv)
{
    protoop_params_t pp = { .param = NO_PARAM, .inputc = inputc, .inputv = inputv, .outputv = outputv };
    return plugin_run_protoop(cnx, &pp, name, NULL);
}

static __inline__ protoop_arg_t run_param(picoquic_cnx_t *cnx, const char *name, param_id_t param,
                                          int inputc, protoop_arg_t *inputv, protoop_arg_t *outputv)
{
    protoop_params_t pp = { .param = (uint16_t)param, .inputc = inputc, .inputv = inputv, .outputv = outputv };
    return plugin_run_protoop(cnx, &pp, name, NULL);
}

/* The plugin's state on this connection: a block of `size` bytes on the plugin heap, pointed to
 * by connection metadata slot `slot` (PQUIC's convention), allocated and zeroed by the first
 * pluglet that asks. NULL when the heap is full. */
static __inline__ void *get_cnx_state(picoquic_cnx_t *cnx, uint64_t slot, uint64_t size)
{
    void *state = (void *)get_cnx_metadata(cnx, slot);
    if (state == NULL) {
        state = my_malloc(cnx, size);
        if (state == NULL)
            return NULL;
        my_memset(state, 0, size);
        set_cnx_metadata(cnx, slot, (uint64_t)state);
    }
    return state;
}

/* PROTOOP_PRINTF(cnx, "x=%lu\n", x): pass pointers (for %s) cast to uint64_t. */
#define PROTOOP_PRINTF(cnx, fmt, ...) do {                                        \
        const uint64_t __pquic_args[] = { 0, ##__VA_ARGS__ };                     \
        (void)(cnx);                                                              \
        helper_log(fmt, __pquic_args + 1,                                         \
                   sizeof(__pquic_args) / sizeof(__pquic_args[0]) - 1);           \
    } while (0)

#define UINT64_MAX 0xffffffffffffffffULL

#endif /* PQUIC_H */
