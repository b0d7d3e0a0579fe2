/**
 * The helper ABI in one table (STYLE.md §16): every helper a pluglet may
 * call (id, name, argument kinds, doc) and every access key of the get/set
 * helpers (family, value, read-only or writable, doc). `include/pquic.h` is
 * written by hand for C programmers and checked against this table by
 * `helper_ids_test.ts`; `helpers.ts` binds implementations to it by name.
 *
 * Names and meanings are PQUIC's (pquic-reference.md §4.6–§4.7) wherever our
 * transport has the same concept, so a PQUIC pluglet source ports with few
 * changes. Ids follow PQUIC's `register_functions` indices for the helpers we
 * keep (ids only matter for raw bytecode; ELF objects bind by name); helpers
 * of ours start at 128. Access-key values are PQUIC's for the keys we keep;
 * keys of ours start at 0x80 in each family. Nothing here reaches outside the
 * connection: no sockets, files or clocks other than the connection's.
 *
 * @module
 */

/** How a helper argument is checked. */
export type HelperArgKind =
  /** The connection value the pluglet got in r1; ignored (one connection per instance). */
  | "cnx"
  /** A plain 64-bit value. */
  | "u64"
  /** A host object handle (path, packet, stream, buffer…) given by the host. */
  | "handle"
  /** A pointer into plugin memory, checked with the length it comes with. */
  | "ptr"
  /** A NUL-terminated string in plugin memory (bounded). */
  | "str"
  /** An access key of the family the helper names. */
  | "key"
  /** A metadata slot index, 0–9. */
  | "index";

/** One helper argument. */
export interface HelperArg {
  /** Name as in pquic.h. */
  readonly name: string;
  /** How it is checked. */
  readonly kind: HelperArgKind;
}

/** One helper. */
export interface HelperSpec {
  /** Call number. */
  readonly id: number;
  /** Name (ELF symbol). */
  readonly name: string;
  /** Arguments r1.. in order. */
  readonly args: readonly HelperArg[];
  /** Whether r0 carries a value. */
  readonly returns: "u64" | "void";
  /** One line: what it does, units, errors. */
  readonly doc: string;
}

function a(name: string, kind: HelperArgKind): HelperArg {
  return { name, kind };
}
const CNX = a("cnx", "cnx");

/** Every helper, by id. */
export const HELPERS: readonly HelperSpec[] = [
  {
    id: 0,
    name: "plugin_run_protoop",
    args: [CNX, a("pp", "ptr"), a("name", "str"), a("unused", "u64")],
    returns: "u64",
    doc: "Runs a protoop (catalogue or extern) with pp's param, inputs and outputs",
  },
  {
    id: 1,
    name: "reserve_frames",
    args: [CNX, a("nb_frames", "u64"), a("slots", "ptr")],
    returns: "u64",
    doc: "Books nb_frames plugin frames for sending; returns bytes booked, 0 when refused",
  },
  {
    id: 2,
    name: "get_cnx",
    args: [CNX, a("ak", "key"), a("param", "u64")],
    returns: "u64",
    doc: "Reads a connection field (AK_CNX_*)",
  },
  {
    id: 3,
    name: "set_cnx",
    args: [CNX, a("ak", "key"), a("param", "u64"), a("val", "u64")],
    returns: "void",
    doc: "Writes a writable connection field (AK_CNX_*)",
  },
  {
    id: 4,
    name: "get_cnx_metadata",
    args: [CNX, a("idx", "index")],
    returns: "u64",
    doc: "Reads this plugin's connection metadata slot idx",
  },
  {
    id: 5,
    name: "set_cnx_metadata",
    args: [CNX, a("idx", "index"), a("val", "u64")],
    returns: "void",
    doc: "Writes this plugin's connection metadata slot idx",
  },
  {
    id: 6,
    name: "get_path",
    args: [a("path", "handle"), a("ak", "key"), a("param", "u64")],
    returns: "u64",
    doc: "Reads a path field (AK_PATH_*)",
  },
  {
    id: 7,
    name: "set_path",
    args: [a("path", "handle"), a("ak", "key"), a("param", "u64"), a("val", "u64")],
    returns: "void",
    doc: "Writes a writable path field (AK_PATH_*)",
  },
  {
    id: 8,
    name: "get_path_metadata",
    args: [CNX, a("path", "handle"), a("idx", "index")],
    returns: "u64",
    doc: "Reads this plugin's metadata slot idx of a path",
  },
  {
    id: 9,
    name: "set_path_metadata",
    args: [CNX, a("path", "handle"), a("idx", "index"), a("val", "u64")],
    returns: "void",
    doc: "Writes this plugin's metadata slot idx of a path",
  },
  {
    id: 10,
    name: "get_pkt_ctx",
    args: [a("pkt_ctx", "handle"), a("ak", "key")],
    returns: "u64",
    doc: "Reads a packet number space field (AK_PKTCTX_*)",
  },
  {
    id: 11,
    name: "set_pkt_ctx",
    args: [a("pkt_ctx", "handle"), a("ak", "key"), a("val", "u64")],
    returns: "void",
    doc: "Writes a writable packet number space field (AK_PKTCTX_*)",
  },
  {
    id: 12,
    name: "get_pkt_ctx_metadata",
    args: [CNX, a("pkt_ctx", "handle"), a("idx", "index")],
    returns: "u64",
    doc: "Reads this plugin's metadata slot idx of a packet number space",
  },
  {
    id: 13,
    name: "set_pkt_ctx_metadata",
    args: [CNX, a("pkt_ctx", "handle"), a("idx", "index"), a("val", "u64")],
    returns: "void",
    doc: "Writes this plugin's metadata slot idx of a packet number space",
  },
  {
    id: 14,
    name: "get_pkt",
    args: [a("pkt", "handle"), a("ak", "key")],
    returns: "u64",
    doc: "Reads a sent packet field (AK_PKT_*)",
  },
  {
    id: 16,
    name: "get_pkt_metadata",
    args: [CNX, a("pkt", "handle"), a("idx", "index")],
    returns: "u64",
    doc: "Reads this plugin's metadata slot idx of a sent packet",
  },
  {
    id: 17,
    name: "set_pkt_metadata",
    args: [CNX, a("pkt", "handle"), a("idx", "index"), a("val", "u64")],
    returns: "void",
    doc: "Writes this plugin's metadata slot idx of a sent packet",
  },
  {
    id: 20,
    name: "get_cnxid",
    args: [a("cnxid", "handle"), a("ak", "key")],
    returns: "u64",
    doc: "Reads a connection ID field (AK_CNXID_*)",
  },
  {
    id: 22,
    name: "get_stream_head",
    args: [a("stream", "handle"), a("ak", "key")],
    returns: "u64",
    doc: "Reads a stream field (AK_STREAMHEAD_*)",
  },
  {
    id: 27,
    name: "get_ph",
    args: [a("ph", "handle"), a("ak", "key")],
    returns: "u64",
    doc: "Reads a received packet header field (AK_PH_*)",
  },
  {
    id: 31,
    name: "picoquic_current_time",
    args: [],
    returns: "u64",
    doc: "The connection's current time, microseconds",
  },
  {
    id: 32,
    name: "my_malloc",
    args: [CNX, a("size", "u64")],
    returns: "u64",
    doc: "Allocates size bytes of plugin heap (16-byte aligned); 0 past the memory limit",
  },
  {
    id: 33,
    name: "my_free",
    args: [CNX, a("ptr", "ptr")],
    returns: "void",
    doc: "Frees a block of my_malloc; NULL is a no-op; double free or a foreign pointer faults",
  },
  {
    id: 34,
    name: "my_realloc",
    args: [CNX, a("ptr", "ptr"), a("size", "u64")],
    returns: "u64",
    doc: "Resizes a block (C realloc rules); 0 when it cannot grow, the block then stays",
  },
  {
    id: 35,
    name: "my_memcpy",
    args: [a("dst", "ptr"), a("src", "ptr"), a("n", "u64")],
    returns: "u64",
    doc: "Copies n bytes inside plugin memory (overlap allowed); returns dst",
  },
  {
    id: 36,
    name: "my_memset",
    args: [a("dst", "ptr"), a("c", "u64"), a("n", "u64")],
    returns: "u64",
    doc: "Fills n bytes of plugin memory with c; returns dst",
  },
  {
    id: 48,
    name: "my_htons",
    args: [a("x", "u64")],
    returns: "u64",
    doc: "Swaps the bytes of a 16-bit value",
  },
  {
    id: 49,
    name: "my_ntohs",
    args: [a("x", "u64")],
    returns: "u64",
    doc: "Swaps the bytes of a 16-bit value",
  },
  {
    id: 50,
    name: "strncmp",
    args: [a("s1", "str"), a("s2", "str"), a("n", "u64")],
    returns: "u64",
    doc: "C strncmp on plugin memory (result as a signed value in r0)",
  },
  {
    id: 51,
    name: "strlen",
    args: [a("s", "str")],
    returns: "u64",
    doc: "C strlen on plugin memory (strings longer than 64 KiB fault)",
  },
  {
    id: 54,
    name: "picoquic_varint_decode",
    args: [a("bytes", "ptr"), a("max_bytes", "u64"), a("n64", "ptr")],
    returns: "u64",
    doc: "Decodes a QUIC varint from plugin memory into *n64; returns its length, 0 if short",
  },
  {
    id: 55,
    name: "picoquic_varint_encode",
    args: [a("bytes", "ptr"), a("max_bytes", "u64"), a("n64", "u64")],
    returns: "u64",
    doc: "Encodes n64 as a QUIC varint into plugin memory; returns its length, 0 if no room",
  },
  {
    id: 56,
    name: "picoquic_varint_skip",
    args: [a("bytes", "ptr")],
    returns: "u64",
    doc: "Length of the varint whose first byte is at bytes (1, 2, 4 or 8)",
  },
  {
    id: 65,
    name: "picoquic_find_stream",
    args: [CNX, a("stream_id", "u64")],
    returns: "u64",
    doc: "Handle of an open stream by id, 0 when there is none (never creates one)",
  },
  {
    id: 78,
    name: "memcmp",
    args: [a("s1", "ptr"), a("s2", "ptr"), a("n", "u64")],
    returns: "u64",
    doc: "C memcmp on plugin memory (result as a signed value in r0)",
  },
  {
    id: 128,
    name: "helper_log",
    args: [a("fmt", "str"), a("args", "ptr"), a("nargs", "u64")],
    returns: "void",
    doc: "printf-style log line from fmt and nargs (≤ 16) u64 arguments",
  },
  {
    id: 129,
    name: "qlog_event",
    args: [a("name", "str"), a("fields", "str"), a("values", "ptr"), a("n", "u64")],
    returns: "void",
    doc: 'qlog event name ("category:event") with n comma-separated fields and u64 values',
  },
  {
    id: 130,
    name: "host_buffer_length",
    args: [a("buf", "handle")],
    returns: "u64",
    doc: "Length in bytes of the host buffer behind a handle",
  },
  {
    id: 131,
    name: "my_memcpy_from_host",
    args: [a("dst", "ptr"), a("buf", "handle"), a("offset", "u64"), a("n", "u64")],
    returns: "u64",
    doc: "Copies n bytes at offset of a host buffer into plugin memory; returns n",
  },
  {
    id: 132,
    name: "my_memcpy_to_host",
    args: [a("buf", "handle"), a("offset", "u64"), a("src", "ptr"), a("n", "u64")],
    returns: "u64",
    doc: "Copies n bytes of plugin memory into a writable host buffer at offset; returns n",
  },
  {
    id: 133,
    name: "host_varint_decode",
    args: [a("buf", "handle"), a("offset", "u64"), a("n64", "ptr")],
    returns: "u64",
    doc: "Decodes a varint at offset of a host buffer into *n64; returns its length, 0 if short",
  },
  {
    id: 134,
    name: "host_varint_encode",
    args: [a("buf", "handle"), a("offset", "u64"), a("n64", "u64")],
    returns: "u64",
    doc: "Encodes n64 at offset of a writable host buffer; returns its length, 0 if no room",
  },
  // Datagram plugin (RFC 9221), ids 150–159: helpers_datagram.ts.
  {
    id: 150,
    name: "datagram_deliver",
    args: [CNX, a("src", "ptr"), a("len", "u64")],
    returns: "u64",
    doc: "Hands len bytes of plugin memory to the application as a received datagram",
  },
  {
    id: 151,
    name: "host_reader_skip",
    args: [a("reader", "handle"), a("n", "u64")],
    returns: "u64",
    doc: "Moves a reader handle (parse_frame's input) n bytes on; returns n",
  },
  // Forward erasure correction (plugins/fec), ids 160–189: helpers_fec.ts.
  {
    id: 160,
    name: "fec_received_symbol",
    args: [a("dst", "ptr"), a("max", "u64")],
    returns: "u64",
    doc: "In parse_frame: writes the source symbol of the packet being received (its number, " +
      "then the length and bytes from the reader on) into dst; returns its length, 0 if > max",
  },
  {
    id: 161,
    name: "fec_reader_sfpid",
    args: [],
    returns: "u64",
    doc: "In parse_frame: reads the SOURCE_FPID frame at the reader and moves past it; returns " +
      "its source symbol id, 0 when the frame is short",
  },
  {
    id: 162,
    name: "fec_sent_symbol",
    args: [a("from", "u64"), a("fpid", "u64"), a("dst", "ptr"), a("max", "u64")],
    returns: "u64",
    doc: "In schedule_frames_on_path: writes the source symbol of the packet built (its number, " +
      "the length and bytes from position from on) into dst and records it as source symbol " +
      "fpid; returns its length (0 when larger than max), plus 1 << 32 when stream data waits",
  },
  {
    id: 163,
    name: "fec_cover_begin",
    args: [a("first", "u64"), a("count", "u64")],
    returns: "void",
    doc: "A repair symbol protecting source symbols first..first+count-1 was queued: their " +
      "packets' frames are held back if lost",
  },
  {
    id: 164,
    name: "fec_cover_end",
    args: [a("first", "u64"), a("count", "u64")],
    returns: "void",
    doc: "That repair symbol was acknowledged, lost or dropped: held packets it alone covered " +
      "are released as lost at the next send",
  },
  {
    id: 165,
    name: "fec_peer_recovered",
    args: [a("pn", "u64")],
    returns: "u64",
    doc: "The peer rebuilt our packet pn (RECOVERED): its held frames count as delivered; " +
      "returns 1 when it was held",
  },
  {
    id: 166,
    name: "fec_recovered_packet",
    args: [a("pn", "u64"), a("src", "ptr"), a("len", "u64")],
    returns: "u64",
    doc: "Processes len bytes of frames rebuilt from repair symbols as 1-RTT packet pn; " +
      "returns 1 when processed, 0 when pn was already received",
  },
  {
    id: 167,
    name: "fec_prepare_source",
    args: [a("fpid", "u64"), a("slack", "u64"), a("cap", "u64")],
    returns: "u64",
    doc:
      "In schedule_frames_on_path of a 1-RTT packet, when stream data waits: writes SOURCE_FPID " +
      "fpid, keeps slack bytes free and at most cap bytes of frames after it; returns the " +
      "position after it (where the source symbol starts), 0 when nothing was written",
  },
  {
    id: 168,
    name: "fec_stream_data_pending",
    args: [],
    returns: "u64",
    doc: "1 when stream data waits to be sent, else 0",
  },
  {
    id: 169,
    name: "fec_write_sfpid",
    args: [a("fpid", "u64")],
    returns: "u64",
    doc: "In write_frame: writes SOURCE_FPID fpid and sets the outputs; returns the position " +
      "after it (where the source symbol starts), 0 when it does not fit",
  },
  {
    id: 170,
    name: "fec_region_addmul",
    args: [a("dst", "ptr"), a("src", "ptr"), a("c", "u64"), a("n", "u64")],
    returns: "void",
    doc: "GF(2^8) region operation on plugin memory: dst[0..n) += c * src[0..n) (c = 1: XOR)",
  },
  {
    id: 171,
    name: "fec_region_scale",
    args: [a("dst", "ptr"), a("c", "u64"), a("n", "u64")],
    returns: "void",
    doc: "GF(2^8) region operation on plugin memory: dst[0..n) *= c",
  },
  {
    id: 172,
    name: "fec_write_frame",
    args: [a("src", "ptr"), a("n", "u64"), a("retransmittable", "u64")],
    returns: "u64",
    doc: "In write_frame: writes the n-byte frame at src into the writer and sets the outputs; " +
      "returns 1, 0 when it does not fit (retry in the next packet)",
  },
];

/** Object families of the get/set helpers. */
export type FieldKind = "cnx" | "path" | "pkt_ctx" | "pkt" | "cnxid" | "stream" | "ph";

/** One access key. */
export interface AccessKeySpec {
  /** Name in pquic.h (`AK_PATH_CWIN`). */
  readonly name: string;
  /** Value. */
  readonly value: number;
  /** Family. */
  readonly kind: FieldKind;
  /** Whether the set_* helper may write it. */
  readonly writable: boolean;
  /** What the helper's param means, for keys that take one. */
  readonly param?: string;
  /** Meaning and unit. */
  readonly doc: string;
}

type K = [name: string, value: number, writable: boolean, doc: string, param?: string];

function family(kind: FieldKind, rows: K[]): AccessKeySpec[] {
  return rows.map(([name, value, writable, doc, param]) => ({
    name,
    value,
    kind,
    writable,
    doc,
    ...(param === undefined ? {} : { param }),
  }));
}

/** Every access key. */
export const ACCESS_KEYS: readonly AccessKeySpec[] = [
  ...family("cnx", [
    [
      "AK_CNX_INPUT",
      0x00,
      false,
      "Input param of the running protoop (u64; refs are handles)",
      "input index",
    ],
    ["AK_CNX_OUTPUT", 0x01, true, "Output param of the running protoop", "output index"],
    ["AK_CNX_PROPOSED_VERSION", 0x02, false, "QUIC version in use"],
    ["AK_CNX_IS_0RTT_ACCEPTED", 0x03, false, "1 when 0-RTT was accepted"],
    [
      "AK_CNX_REMOTE_PARAMETERS_RECEIVED",
      0x04,
      false,
      "1 once the peer's transport parameters arrived",
    ],
    ["AK_CNX_CLIENT_MODE", 0x06, false, "1 on the client side"],
    ["AK_CNX_LOCAL_PARAMETER", 0x0b, false, "Our transport parameter", "TRANSPORT_PARAMETER_*"],
    [
      "AK_CNX_REMOTE_PARAMETER",
      0x0c,
      false,
      "The peer's transport parameter (0 before)",
      "TRANSPORT_PARAMETER_*",
    ],
    ["AK_CNX_STATE", 0x0e, false, "Connection state (PQUIC_STATE_*)"],
    ["AK_CNX_INITIAL_CID", 0x0f, false, "Handle of the original destination connection ID"],
    ["AK_CNX_START_TIME", 0x10, false, "When the connection started, µs"],
    ["AK_CNX_NEXT_WAKE_TIME", 0x16, false, "Next timer deadline, µs (UINT64_MAX: none)"],
    ["AK_CNX_NB_RETRANSMISSION_TOTAL", 0x1c, false, "Packets declared lost"],
    ["AK_CNX_NB_SPURIOUS", 0x1d, false, "Losses found spurious"],
    ["AK_CNX_DATA_SENT", 0x24, false, "Bytes of UDP payload sent"],
    ["AK_CNX_DATA_RECEIVED", 0x25, false, "Bytes of UDP payload received"],
    ["AK_CNX_MAXDATA_LOCAL", 0x26, false, "Connection flow control limit we granted, bytes"],
    ["AK_CNX_MAXDATA_REMOTE", 0x27, false, "Connection flow control limit the peer granted, bytes"],
    ["AK_CNX_KEEP_ALIVE_INTERVAL", 0x2c, false, "Keep-alive interval, µs (0: off)"],
    ["AK_CNX_NB_PATHS", 0x2d, false, "Number of paths"],
    ["AK_CNX_PATH", 0x2e, false, "Handle of a path", "path index"],
    ["AK_CNX_RETURN_VALUE", 0x34, false, "Return value of the protoop body (post only)"],
    ["AK_CNX_HANDSHAKE_DONE", 0x3d, false, "1 once the handshake is complete"],
    [
      "AK_CNX_PROTOOP_PARAM",
      0x80,
      false,
      "Param of the running protoop (frame type, TP id) or NO_PARAM",
    ],
    [
      "AK_CNX_HANDSHAKE_CONFIRMED",
      0x81,
      false,
      "1 once the handshake is confirmed (RFC 9001 §4.1.2)",
    ],
    ["AK_CNX_INPUT_COUNT", 0x82, false, "Number of inputs of the running protoop"],
    ["AK_CNX_NB_PACKETS_SENT", 0x83, false, "Packets sent"],
    ["AK_CNX_NB_PACKETS_RECEIVED", 0x84, false, "Packets received"],
  ]),
  ...family("path", [
    ["AK_PATH_CHALLENGE_VERIFIED", 0x0a, false, "1 once the path is validated"],
    ["AK_PATH_MAX_ACK_DELAY", 0x0d, false, "The peer's max_ack_delay, µs"],
    ["AK_PATH_SMOOTHED_RTT", 0x0e, false, "smoothed_rtt, µs (RFC 9002 §5.3)"],
    ["AK_PATH_RTT_VARIANT", 0x0f, false, "rttvar, µs"],
    ["AK_PATH_RETRANSMIT_TIMER", 0x10, false, "Current PTO, µs (RFC 9002 §6.2.1)"],
    ["AK_PATH_RTT_MIN", 0x11, false, "min_rtt, µs (0 before a sample)"],
    ["AK_PATH_SEND_MTU", 0x15, false, "max_datagram_size, bytes"],
    [
      "AK_PATH_CWIN",
      0x17,
      true,
      "Congestion window, bytes; setting pins it (UINT64_MAX: unlimited)",
    ],
    ["AK_PATH_BYTES_IN_TRANSIT", 0x18, false, "Bytes in flight"],
    ["AK_PATH_LOCAL_CID", 0x1e, false, "Handle of the connection ID the peer sends to"],
    ["AK_PATH_REMOTE_CID", 0x1f, false, "Handle of the connection ID we send to"],
    ["AK_PATH_PKT_CTX", 0x21, false, "Handle of a packet number space", "PQUIC_SPACE_*"],
    ["AK_PATH_NB_PKT_SENT", 0x22, false, "Packets sent on the path"],
    ["AK_PATH_RTT_LATEST", 0x80, false, "latest_rtt, µs"],
    ["AK_PATH_SSTHRESH", 0x81, false, "Slow start threshold, bytes (UINT64_MAX: none yet)"],
    [
      "AK_PATH_PACING_ENABLED",
      0x82,
      true,
      "1 while sending is paced (RFC 9002 §7.7); 0 turns pacing off",
    ],
  ]),
  ...family("pkt_ctx", [
    ["AK_PKTCTX_SEND_SEQUENCE", 0x00, false, "Next packet number to send"],
    ["AK_PKTCTX_ACK_DELAY_LOCAL", 0x05, true, "Delay before we send an ACK, µs"],
    [
      "AK_PKTCTX_HIGHEST_ACKNOWLEDGED",
      0x08,
      false,
      "Largest packet number the peer acknowledged (UINT64_MAX: none)",
    ],
    ["AK_PKTCTX_LATEST_TIME_ACKNOWLEDGED", 0x09, false, "When that packet was sent, µs"],
    ["AK_PKTCTX_ACK_NEEDED", 0x0e, false, "1 when an ACK is owed"],
    [
      "AK_PKTCTX_ACK_ELICITING_THRESHOLD",
      0x81,
      true,
      "Ack-eliciting packets received before an ACK is sent at once (default 2)",
    ],
    [
      "AK_PKTCTX_LARGEST_RECEIVED",
      0x80,
      false,
      "Largest packet number received (UINT64_MAX: none)",
    ],
  ]),
  ...family("pkt", [
    ["AK_PKT_SEQUENCE_NUMBER", 0x03, false, "Packet number"],
    ["AK_PKT_SEND_TIME", 0x04, false, "When it was sent, µs"],
    ["AK_PKT_LENGTH", 0x05, false, "Size, bytes"],
    ["AK_PKT_CONTEXT", 0x09, false, "Packet number space (PQUIC_SPACE_*)"],
    ["AK_PKT_IS_PURE_ACK", 0x0b, false, "1 when not ack-eliciting"],
    ["AK_PKT_IS_CONGESTION_CONTROLLED", 0x0d, false, "1 when counted in flight"],
    ["AK_PKT_IS_MTU_PROBE", 0x10, false, "1 for a PMTU probe"],
    ["AK_PKT_NB_FRAMES", 0x80, false, "Number of frames it carried"],
  ]),
  ...family("cnxid", [
    ["AK_CNXID_ID", 0x00, false, "Handle of the ID's bytes (a host buffer)"],
    ["AK_CNXID_LEN", 0x01, false, "Length, bytes"],
  ]),
  ...family("stream", [
    [
      "AK_STREAMHEAD_SEND_QUEUE",
      0x00,
      false,
      "1 when the stream has something to send now (lost data, new data within credit, a FIN)",
    ],
    ["AK_STREAMHEAD_CONSUMED_OFFSET", 0x01, false, "Bytes the application read"],
    ["AK_STREAMHEAD_STREAM_ID", 0x02, false, "Stream id"],
    ["AK_STREAMHEAD_SENT_OFFSET", 0x03, false, "Bytes sent at least once"],
    ["AK_STREAMHEAD_SENDING_OFFSET", 0x04, false, "Bytes the application wrote"],
    ["AK_STREAMHEAD_MAX_DATA_LOCAL", 0x05, false, "Flow control limit we granted"],
    ["AK_STREAMHEAD_MAX_DATA_REMOTE", 0x06, false, "Flow control limit the peer granted"],
    ["AK_STREAMHEAD_FIN_SENT", 0x07, false, "1 once FIN was sent"],
    ["AK_STREAMHEAD_FIN_RECEIVED", 0x08, false, "1 once FIN was received"],
  ]),
  ...family("ph", [
    ["AK_PH_DESTINATION_CNXID", 0x00, false, "Handle of the destination connection ID"],
    ["AK_PH_OFFSET", 0x01, false, "Header length, bytes"],
    ["AK_PH_PAYLOAD_LENGTH", 0x02, false, "Payload length, bytes"],
    ["AK_PH_SEQUENCE_NUMBER", 0x03, false, "Packet number"],
    ["AK_PH_EPOCH", 0x04, false, "Packet number space (PQUIC_SPACE_*)"],
    ["AK_PH_PTYPE", 0x05, false, "Packet type (PQUIC_PTYPE_*)"],
  ]),
];

/** Named constants of pquic.h other than keys (checked the same way). */
export const CONSTANTS: Readonly<Record<string, number>> = {
  TRANSPORT_PARAMETER_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL: 0x00,
  TRANSPORT_PARAMETER_INITIAL_MAX_DATA: 0x01,
  TRANSPORT_PARAMETER_INITIAL_MAX_STREAMS_BIDI: 0x02,
  TRANSPORT_PARAMETER_IDLE_TIMEOUT: 0x03,
  TRANSPORT_PARAMETER_MAX_PACKET_SIZE: 0x05,
  TRANSPORT_PARAMETER_ACK_DELAY_EXPONENT: 0x07,
  TRANSPORT_PARAMETER_INITIAL_MAX_STREAMS_UNI: 0x08,
  TRANSPORT_PARAMETER_MIGRATION_DISABLED: 0x09,
  TRANSPORT_PARAMETER_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE: 0x0a,
  TRANSPORT_PARAMETER_INITIAL_MAX_STREAM_DATA_UNI: 0x0b,
  TRANSPORT_PARAMETER_MAX_ACK_DELAY: 0x80,
  TRANSPORT_PARAMETER_MAX_DATAGRAM_FRAME_SIZE: 0x81,
  PQUIC_SPACE_INITIAL: 0,
  PQUIC_SPACE_HANDSHAKE: 1,
  PQUIC_SPACE_APPLICATION: 2,
  PQUIC_STATE_HANDSHAKE: 0,
  PQUIC_STATE_ESTABLISHED: 1,
  PQUIC_STATE_CLOSING: 2,
  PQUIC_STATE_DRAINING: 3,
  PQUIC_STATE_DRAINED: 4,
  METADATA_SLOTS: 10,
  PROTOOPARGS_MAX: 16,
  NO_PARAM: 0xffff,
  HELPER_LOG_MAX_ARGS: 16,
  QLOG_MAX_FIELDS: 32,
};

const BY_KEY = new Map<string, AccessKeySpec>(
  ACCESS_KEYS.map((k) => [`${k.kind}:${k.value}`, k]),
);

/**
 * Looks an access key up.
 *
 * @param kind the family
 * @param value the key's value
 * @returns its row, or undefined for an unknown key
 * @example
 * ```ts
 * import { accessKey } from "./helper_ids.ts";
 * import assert from "node:assert/strict";
 * assert.equal(accessKey("path", 0x17)?.name, "AK_PATH_CWIN");
 * assert.equal(accessKey("path", 0x7f), undefined);
 * ```
 */
export function accessKey(kind: FieldKind, value: number): AccessKeySpec | undefined {
  return BY_KEY.get(`${kind}:${value}`);
}

/**
 * Looks a helper up by name.
 *
 * @param name helper name
 * @returns its row, or undefined
 */
export function helperSpec(name: string): HelperSpec | undefined {
  return HELPERS.find((h) => h.name === name);
}
