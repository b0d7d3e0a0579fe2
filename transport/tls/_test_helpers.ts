/**
 * Helpers for the TLS tests: demo certificates (made once per key type),
 * client/server configurations, and a loop that moves handshake bytes
 * between two sessions by encryption level.
 *
 * @module
 */

import { type DemoCertificates, generateDemoCertificates } from "../crypto/certificates.ts";
import { SeededRandom } from "../random.ts";
import type { TlsClientConfig, TlsServerConfig } from "./config.ts";
import { createClientSession } from "./client.ts";
import { createServerSession } from "./server.ts";
import type { TlsEvent, TlsSession } from "./session.ts";

const certs = new Map<string, Promise<DemoCertificates>>();

/** Demo certificates for "localhost", made once per key type. */
export function demoCertificates(
  keyType: "ecdsa-p256" | "ed25519" | "rsa-pss" = "ecdsa-p256",
): Promise<DemoCertificates> {
  let p = certs.get(keyType);
  if (p === undefined) {
    p = generateDemoCertificates({ names: ["localhost"], keyType, random: new SeededRandom(99) });
    certs.set(keyType, p);
  }
  return p;
}

/** A fixed wall clock: 2026-01-01. */
export const WALL_CLOCK_MS = 1767225600000;

/** Client transport parameters used in tests (opaque to TLS). */
export const CLIENT_TP = new Uint8Array([1, 2, 3, 4]);
/** Server transport parameters used in tests. */
export const SERVER_TP = new Uint8Array([9, 8, 7]);

/** A client configuration trusting `certs`' CA. */
export function clientConfig(
  certs: DemoCertificates,
  over: Partial<TlsClientConfig> = {},
): TlsClientConfig {
  return {
    serverName: "localhost",
    alpnProtocols: ["h3"],
    transportParameters: CLIENT_TP,
    trustAnchors: [certs.caCertificate],
    wallClockMs: () => WALL_CLOCK_MS,
    random: new SeededRandom(1),
    ...over,
  };
}

/** A server configuration with `certs`' identity. */
export function serverConfig(
  certs: DemoCertificates,
  over: Partial<TlsServerConfig> = {},
): TlsServerConfig {
  return {
    identity: certs.identity,
    alpnProtocols: ["h3"],
    transportParameters: () => SERVER_TP,
    wallClockMs: () => WALL_CLOCK_MS,
    random: new SeededRandom(2),
    ...over,
  };
}

/** Everything each side emitted during {@link runHandshake}. */
export interface HandshakeRun {
  readonly client: TlsSession;
  readonly server: TlsSession;
  readonly clientEvents: TlsEvent[];
  readonly serverEvents: TlsEvent[];
}

/** Drains `from`'s events into `log`, delivering `data` events to `to`. */
export function pump(from: TlsSession, to: TlsSession, log: TlsEvent[]): boolean {
  let moved = false;
  for (let e = from.pollEvent(); e !== null; e = from.pollEvent()) {
    log.push(e);
    moved = true;
    if (e.type === "data") to.receive(e.level, e.data, 0);
  }
  return moved;
}

/** Runs a handshake in memory between new sessions with these configurations. */
export function runHandshake(client: TlsClientConfig, server: TlsServerConfig): HandshakeRun {
  const c = createClientSession(client);
  const s = createServerSession(server);
  const run = { client: c, server: s, clientEvents: [], serverEvents: [] } as HandshakeRun;
  c.start(0);
  s.start(0);
  for (let i = 0; i < 20; i++) {
    const a = pump(c, s, run.clientEvents);
    const b = pump(s, c, run.serverEvents);
    if (!a && !b) break;
  }
  return run;
}

/** The secret events of a log as "level/direction" → secret. */
export function secrets(events: readonly TlsEvent[]): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  for (const e of events) if (e.type === "secret") m.set(`${e.level}/${e.direction}`, e.secret);
  return m;
}

/** The events of a log reduced to short tags, for order checks. */
export function tags(events: readonly TlsEvent[]): string[] {
  return events.filter((e) => e.type !== "keyLog").map((e) => {
    switch (e.type) {
      case "secret":
        return `secret:${e.level}:${e.direction}`;
      case "data":
        return `data:${e.level}`;
      default:
        return e.type;
    }
  });
}
