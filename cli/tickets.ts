/**
 * The client's ticket store (picoquicdemo's `demo_ticket_store.bin`): session
 * tickets and NEW_TOKEN tokens kept between runs, per server, so that the
 * next connection resumes (and skips address validation). `-R` turns it off.
 *
 * The file is JSON, with byte fields in base64.
 *
 * @module
 */

import type { SessionTicket } from "../transport/tls/session.ts";

/** What is kept for one server. */
export interface StoredServer {
  ticket?: SessionTicket;
  token?: Uint8Array;
}

function b64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return btoa(s);
}

function unb64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const BYTE_FIELDS = ["ticket", "psk", "transportParameters"] as const;

/** Session tickets and tokens in a JSON file. */
export class TicketStore {
  readonly #path: string;
  readonly #entries: Record<string, Record<string, unknown>>;

  private constructor(path: string, entries: Record<string, Record<string, unknown>>) {
    this.#path = path;
    this.#entries = entries;
  }

  /** Reads the store (an absent or unreadable file is an empty store). */
  static open(path: string): TicketStore {
    let entries: Record<string, Record<string, unknown>> = {};
    try {
      const parsed = JSON.parse(Deno.readTextFileSync(path));
      if (parsed !== null && typeof parsed === "object") entries = parsed;
    } catch {
      // Nothing usable: start empty.
    }
    return new TicketStore(path, entries);
  }

  /** The key of a server: SNI, port and ALPN family. */
  static key(sni: string, port: number): string {
    return `${sni}:${port}`;
  }

  /** What is stored for `key`, if anything still valid at `nowMs`. */
  get(key: string, nowMs: number): StoredServer {
    const e = this.#entries[key];
    const out: StoredServer = {};
    if (e === undefined) return out;
    try {
      const t = e.ticket as Record<string, unknown> | undefined;
      if (t !== undefined) {
        const ticket = { ...t } as Record<string, unknown>;
        for (const f of BYTE_FIELDS) ticket[f] = unb64(t[f] as string);
        const s = ticket as unknown as SessionTicket;
        if (s.receivedAt / 1000 + s.lifetime * 1000 > nowMs) out.ticket = s;
      }
      if (typeof e.token === "string") out.token = unb64(e.token);
    } catch {
      // A damaged entry is ignored.
    }
    return out;
  }

  /** Keeps a ticket for `key`. */
  setTicket(key: string, ticket: SessionTicket): void {
    const t: Record<string, unknown> = { ...ticket };
    for (const f of BYTE_FIELDS) t[f] = b64(ticket[f]);
    (this.#entries[key] ??= {}).ticket = t;
  }

  /** Keeps a NEW_TOKEN token for `key`. */
  setToken(key: string, token: Uint8Array): void {
    (this.#entries[key] ??= {}).token = b64(token);
  }

  /** Writes the store back (creating its directory). */
  save(): void {
    const dir = this.#path.replace(/\/[^/]*$/, "");
    if (dir !== this.#path && dir !== "") Deno.mkdirSync(dir, { recursive: true });
    Deno.writeTextFileSync(this.#path, JSON.stringify(this.#entries), { mode: 0o600 });
  }
}
