/**
 * One server for every application protocol we speak, chosen per connection
 * by the negotiated ALPN, as picoquicdemo's server does (hq for `hq-*`,
 * HTTP/3 for `h3*`).
 *
 * Events that arrive before the handshake completes (0-RTT streams) wait
 * until the `connected` event names the protocol.
 *
 * @module
 */

import type { Connection } from "../transport/connection/connection.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import type { ReadFile } from "./content.ts";
import { H3Server } from "./h3/server.ts";
import { H3_ALPNS } from "./h3/session.ts";
import { HQ_ALPNS, HqServer } from "./hq/server.ts";

/** Every ALPN the demo server accepts, in its order of preference (HTTP/3 first). */
export const DEMO_ALPNS: readonly string[] = [...H3_ALPNS, ...HQ_ALPNS];

/** Which application protocol an ALPN identifier means, or null. */
export function appProtocolOf(alpn: string): "h3" | "hq" | null {
  if (alpn === "h3" || alpn.startsWith("h3-")) return "h3";
  if (alpn === "hq-interop" || alpn.startsWith("hq-")) return "hq";
  return null;
}

/** Options of {@link DemoServer}. */
export interface DemoServerOptions {
  /** Reads files below the web root (`-w`). */
  readonly readFile?: ReadFile | null;
  /** Called for each request: protocol, path and response size (-1 when refused). */
  readonly onRequest?: (
    conn: Connection,
    protocol: "h3" | "hq",
    path: string,
    size: number,
  ) => void;
}

/**
 * Serves hq-interop and HTTP/3 from the same content.
 *
 * @example
 * ```ts ignore
 * const server = new DemoServer({ readFile });
 * // endpoint config: server.alpnProtocols = [...DEMO_ALPNS]
 * // for each endpoint event { connection, event }:
 * server.onEvent(connection, event, now);
 * ```
 */
export class DemoServer {
  /** The hq server (for its statistics). */
  readonly hq: HqServer;
  /** The HTTP/3 server (for its statistics and sessions). */
  readonly h3: H3Server;
  readonly #route = new WeakMap<Connection, "h3" | "hq" | ConnectionEvent[]>();

  /**
   * Creates the object.
   * @param options The web root reader and a request hook.
   */
  constructor(options: DemoServerOptions = {}) {
    const readFile = options.readFile ?? null;
    const hook = options.onRequest;
    this.hq = new HqServer({
      readFile,
      ...(hook ? { onRequest: (c, r) => hook(c, "hq", r.path, r.size) } : {}),
    });
    this.h3 = new H3Server({
      readFile,
      ...(hook ? { onRequest: (c, r) => hook(c, "h3", r.path, r.size) } : {}),
    });
  }

  /**
   * Handles one connection event.
   *
   * @param conn The connection.
   * @param event Its event.
   * @param now Current time in µs.
   */
  onEvent(conn: Connection, event: ConnectionEvent, now: number): void {
    let route = this.#route.get(conn);
    if (event.type === "connected") {
      const proto = appProtocolOf(event.alpn);
      const waiting = Array.isArray(route) ? route : [];
      if (proto === null) {
        conn.close(0x0n, `No application for ALPN "${event.alpn}"`, now);
        return;
      }
      this.#route.set(conn, proto);
      route = proto;
      this.#deliver(proto, conn, event, now);
      for (const e of waiting) this.#deliver(proto, conn, e, now);
      return;
    }
    if (route === undefined || Array.isArray(route)) {
      if (event.type === "closed") return;
      if (route === undefined) this.#route.set(conn, [event]);
      else route.push(event);
      return;
    }
    this.#deliver(route, conn, event, now);
  }

  #deliver(proto: "h3" | "hq", conn: Connection, event: ConnectionEvent, now: number): void {
    if (proto === "h3") this.h3.onEvent(conn, event, now);
    else this.hq.onEvent(conn, event, now);
  }
}
