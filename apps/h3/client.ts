/**
 * The HTTP/3 client (RFC 9114) for GET and HEAD over any number of
 * connections: one {@link H3ClientSession} per connection, created on first
 * use; see `client_session.ts` for the protocol behaviour.
 *
 * @module
 */

import type { Connection } from "../../transport/connection/connection.ts";
import type { ConnectionEvent } from "../../transport/connection/events.ts";
import {
  type H3ClientOptions,
  H3ClientSession,
  type H3Request,
  type H3RequestOptions,
} from "./client_session.ts";

export {
  type H3ClientOptions,
  H3ClientSession,
  type H3Request,
  type H3RequestOptions,
  type H3RequestState,
} from "./client_session.ts";

/**
 * Issues HTTP/3 GET requests on any number of connections.
 *
 * @example
 * ```ts ignore
 * const h3 = new H3Client({ authority: "localhost:4443" });
 * const req = h3.request(conn, "/index.html", now);
 * // for each event of conn:
 * h3.onEvent(conn, event, now);
 * // later: req.state === "done", req.status === 200, req.bytes === req.expected
 * ```
 */
export class H3Client {
  readonly #options: H3ClientOptions;
  readonly #sessions = new WeakMap<Connection, H3ClientSession>();

  /**
   * Creates the object.
   * @param options Default authority, user agent, body keeping and hooks.
   */
  constructor(options: H3ClientOptions = {}) {
    this.#options = options;
  }

  /** The session of `conn`, created on first use. */
  attach(conn: Connection): H3ClientSession {
    let s = this.#sessions.get(conn);
    if (s === undefined) {
      s = new H3ClientSession(conn, this.#options);
      this.#sessions.set(conn, s);
    }
    return s;
  }

  /**
   * Requests `path` on `conn` (queued until the connection is ready).
   *
   * @param conn A client connection with ALPN h3.
   * @param path The path; a leading `/` is added when missing.
   * @param now Current time in µs.
   * @param options Method, authority and extra fields.
   * @returns The live request.
   */
  request(conn: Connection, path: string, now: number, options?: H3RequestOptions): H3Request {
    return this.attach(conn).request(path, now, options);
  }

  /** Every request on `conn`. */
  requestsOf(conn: Connection): H3Request[] {
    return this.#sessions.get(conn)?.requests ?? [];
  }

  /** True when no request on `conn` is queued or open. */
  isIdle(conn: Connection): boolean {
    return this.#sessions.get(conn)?.idle ?? true;
  }

  /**
   * Handles one event of a client connection.
   *
   * @param conn The connection.
   * @param event Its event.
   * @param now Current time in µs.
   */
  onEvent(conn: Connection, event: ConnectionEvent, now: number): void {
    this.attach(conn).onEvent(event, now);
  }

  /** Closes `conn` gracefully: GOAWAY, then CONNECTION_CLOSE H3_NO_ERROR. */
  close(conn: Connection, now: number): void {
    this.#sessions.get(conn)?.close(now);
  }
}
