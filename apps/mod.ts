/**
 * Application protocols on top of a sans-IO QUIC `Connection`
 * (`transport/connection/connection.ts`):
 * hq-interop (HTTP/0.9) and HTTP/3 with QPACK (static table only), for GET.
 * They never touch sockets, clocks or files, so the same code runs on the
 * simulator (`io/sim/`) and over UDP in the `pquic` command.
 *
 * ## Driving an app
 *
 * Every app object has the same shape: feed it **every** event of each
 * connection it serves, with the current time in µs:
 *
 * ```ts ignore
 * for (let e = endpoint.pollEvent(); e !== null; e = endpoint.pollEvent()) {
 *   if (e.type === "connection") app.onEvent(e.connection, e.event, now);
 * }
 * ```
 *
 * State per connection is created on the first event and dropped on
 * `closed`. Apps write with `Connection.write` and resume on
 * `streamWritable`, so bodies of any size stream without being buffered.
 *
 * ## Servers
 *
 * - `new DemoServer({ readFile?, onRequest? })`: picks hq or HTTP/3 per
 *   connection from the negotiated ALPN (`DEMO_ALPNS` = h3, h3-29,
 *   hq-interop, hq-29: put them in the server's `alpnProtocols`).
 *   `.hq` and `.h3` expose the two servers and their `stats`.
 * - `new HqServer({ readFile?, onRequest? })`, `new H3Server({ readFile?,
 *   onRequest?, serverHeader? })`: one protocol each; `onEvent(conn, event,
 *   now)`, `attach(conn)`, `stats`; `H3Server.close(conn, now)` and
 *   `H3Server.sessionOf(conn)` (peer SETTINGS, GOAWAY).
 * - `readFile(path)` is `(relativePath: string) => Uint8Array | null`: the
 *   web root (`-w`) reader, injected. It only ever sees paths that passed
 *   {@link safeRelativePath} (no `..`, no `.`, no empty segment, no
 *   backslash or control character, relative, a trailing `/` becomes
 *   `index.html`).
 * - What a path serves ({@link resolveResource}): a web-root file; else `/`
 *   and `/index.html` a built-in page; else `/<digits>` exactly that many
 *   bytes of picoquicdemo's pattern (74-byte lines, 72 × `Z` then CR LF;
 *   {@link patternByte}); else not found. hq reports "not found" by
 *   RESET_STREAM `HqErrorCode.NotFound` (0x194) and a malformed request by
 *   `HqErrorCode.BadRequest` (0x190), or with `errorPages: true` as
 *   picoquicdemo does (a small "Bad request" page and a FIN); HTTP/3 answers
 *   404 (405 for methods other than GET and HEAD).
 *
 * ## Clients
 *
 * - `new HqClient({ keepBodies?, onData?, onFinished? })` and
 *   `new H3Client({ authority?, userAgent?, keepBodies?, onData?, onFinished? })`:
 *   `request(conn, path, now)` (H3 also takes `{ method: "GET" | "HEAD",
 *   authority, headers }`) returns a live request object that fills in as
 *   the response arrives: `state` (`queued` → `open` → `done` | `reset` |
 *   `failed`), `bytes` so far, `expected` (hq: the size a `/<digits>` path
 *   asks for; H3: content-length), `startedAt` / `finishedAt` (µs),
 *   `mismatchAt` (-1 while a `/<digits>` response matches the size pattern
 *   byte for byte), `resetCode`, `body` (when kept); H3 adds `status`,
 *   `headers`, `trailers`. Requests wait for the handshake and for stream
 *   credit, so any number may be issued at once (the interop runner's
 *   "multiplexing"); PQUIC's `-G <size>` is `request(conn, "/<size>", now)`.
 *   `isIdle(conn)` is true when nothing is queued or open; `requestsOf(conn)`
 *   lists them all; `H3Client.close(conn, now)` sends GOAWAY, then closes
 *   with H3_NO_ERROR.
 *
 * ## Scenarios
 *
 * {@link parseScenario} reads picoquicdemo's scenario syntax
 * (`[*repeat:][stream:][previous|-:]path[:post-size];…`, default
 * {@link DEFAULT_SCENARIO}); {@link entriesAfter} says which entries start
 * when one ends (`null`: at the start), so the CLI can chain requests with
 * the clients' `onFinished` hooks.
 *
 * ## Building blocks
 *
 * QPACK ({@link encodeFieldSection}, {@link decodeFieldSection}, the static
 * table, the RFC 7541 Huffman code), HTTP/3 frames ({@link FrameReader},
 * {@link encodeFrame}, settings, GOAWAY) and error codes ({@link H3ErrorCode},
 * {@link H3Error}, {@link h3ErrorName} for logging a close code).
 *
 * @example Fetch over HTTP/3 on the simulator
 * ```ts ignore
 * const server = new DemoServer();
 * const client = new H3Client({ authority: "localhost:4443" });
 * // server endpoint events → server.onEvent(conn, event, now)
 * // client endpoint events → client.onEvent(conn, event, now)
 * const req = client.request(conn, "/10000", 0);
 * sim.run({ until: () => client.isIdle(conn) });
 * // req.status === 200, req.bytes === 10000, req.mismatchAt === -1
 * ```
 *
 * @module
 */

export {
  fillPattern,
  findPatternMismatch,
  INDEX_PAGE,
  PATTERN_LINE_LENGTH,
  patternByte,
  patternSizeOf,
  type ReadFile,
  type ResolveOptions,
  resolveResource,
  type Resource,
  resourceSize,
  safeRelativePath,
} from "./content.ts";
export { DEFAULT_SCENARIO, entriesAfter, parseScenario, type ScenarioEntry } from "./scenario.ts";
export { Outgoing, type PumpResult, type Segment } from "./outgoing.ts";
export { appProtocolOf, DEMO_ALPNS, DemoServer, type DemoServerOptions } from "./demo_server.ts";
export {
  BAD_REQUEST_PAGE,
  HQ_ALPNS,
  HqErrorCode,
  type HqServedRequest,
  HqServer,
  type HqServerOptions,
  type HqServerStats,
} from "./hq/server.ts";
export { HqClient, type HqClientOptions, type HqRequest, type RequestState } from "./hq/client.ts";
export {
  H3Client,
  type H3ClientOptions,
  H3ClientSession,
  type H3Request,
  type H3RequestOptions,
  type H3RequestState,
} from "./h3/client.ts";
export {
  type H3ServedRequest,
  H3Server,
  type H3ServerOptions,
  H3ServerSession,
  type H3ServerStats,
} from "./h3/server.ts";
export { H3_ALPNS, H3Session, OUR_SETTINGS } from "./h3/session.ts";
export { H3Error, H3ErrorCode, h3ErrorName } from "./h3/errors.ts";
export {
  dataFrameHeader,
  encodeFrame,
  encodeGoawayFrame,
  encodeSettingsFrame,
  FrameType,
  isGreaseCodepoint,
  parseIdPayload,
  parseSettings,
  SettingId,
  type Settings,
  StreamType,
} from "./h3/frames.ts";
export { type FrameEvent, FrameReader } from "./h3/frame_reader.ts";
export {
  parseRequestHead,
  parseResponseHead,
  type RequestHead,
  type ResponseHead,
} from "./h3/message.ts";
export {
  decodeFieldSection,
  type DecodeOptions,
  encodeFieldSection,
  type EncodeOptions,
  type HeaderField,
} from "./h3/qpack/field_section.ts";
export {
  STATIC_TABLE,
  type StaticEntry,
  staticIndexOf,
  staticNameIndexOf,
} from "./h3/qpack/static_table.ts";
export { huffmanDecode, huffmanEncode, HuffmanError } from "./h3/qpack/huffman.ts";
