/**
 * Helpers shared by the real-UDP tests: certificates made once, loopback
 * servers (ours and Deno's built-in QUIC) and client options that trust
 * them, a byte pattern that makes misplaced bytes visible, and stream
 * helpers.
 *
 * @module
 */

import { toolMissing } from "../_tools/test_env.ts";
import { generateCertificates, QuicEndpoint, type QuicListener } from "../quic.ts";
import type { DemoCertificates } from "../transport/crypto/certificates.ts";
import type { QuicListenOptions } from "./quic_options.ts";

let certs: Promise<DemoCertificates> | null = null;

/** Demo certificates for localhost, 127.0.0.1 and ::1, made once per process. */
export function testCertificates(): Promise<DemoCertificates> {
  certs ??= generateCertificates(["localhost", "127.0.0.1", "::1"]);
  return certs;
}

/**
 * `null` when this Deno has its built-in QUIC (`Deno.QuicEndpoint`,
 * `Deno.connectQuic`; `--unstable-net`), else the reason to skip (which
 * throws under CI: a missing peer there is a failure).
 */
export function denoQuicMissing(): string | null {
  const has = typeof Deno.QuicEndpoint === "function" && typeof Deno.connectQuic === "function";
  return toolMissing(
    has ? null : "this Deno has no QUIC (Deno.QuicEndpoint; needs --unstable-net)",
  );
}

/**
 * What a client needs to reach a loopback server of these tests: 127.0.0.1,
 * `port`, the name `localhost`, and the test CA. Spread it into our
 * `connectQuic` or Deno's.
 *
 * @param port The server's port.
 * @param alpn The ALPN protocols offered.
 */
export async function loopbackClientOptions(port: number, alpn: string[]): Promise<{
  hostname: string;
  port: number;
  serverName: string;
  alpnProtocols: string[];
  caCerts: string[];
}> {
  const certs = await testCertificates();
  return {
    hostname: "127.0.0.1",
    port,
    serverName: "localhost",
    alpnProtocols: alpn,
    caCerts: [certs.caPem],
  };
}

/**
 * Our server on an ephemeral 127.0.0.1 port with the test certificates.
 *
 * @param alpn The ALPN protocols accepted.
 * @param options More listener options (plugins, exchange, transport settings).
 */
export async function loopbackServer(
  alpn: string[],
  options: Omit<QuicListenOptions, "alpnProtocols" | "cert" | "key"> = {},
): Promise<{ endpoint: QuicEndpoint; listener: QuicListener; port: number }> {
  const certs = await testCertificates();
  const endpoint = new QuicEndpoint({ hostname: "127.0.0.1" });
  const listener = endpoint.listen({
    ...options,
    alpnProtocols: alpn,
    cert: certs.certPem,
    key: certs.keyPem,
  });
  return { endpoint, listener, port: endpoint.addr.port };
}

/**
 * A Deno (quinn) QUIC server on an ephemeral 127.0.0.1 port with the test
 * certificates (check {@link denoQuicMissing} first).
 *
 * @param alpn The ALPN protocols accepted.
 */
export async function denoLoopbackServer(alpn: string[]): Promise<{
  endpoint: Deno.QuicEndpoint;
  listener: Deno.QuicListener;
  port: number;
}> {
  const certs = await testCertificates();
  const endpoint = new Deno.QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
  const listener = endpoint.listen({ alpnProtocols: alpn, cert: certs.certPem, key: certs.keyPem });
  return { endpoint, listener, port: endpoint.addr.port };
}

/** Byte `i` of the test pattern (not periodic at any power of two up to 2^16). */
export function patternByte(i: number): number {
  return (i * 31 + (i >>> 8) + (i >>> 16)) & 0xff;
}

/** Writes `size` bytes of the pattern to `writable` in chunks, then closes it. */
export async function writePattern(
  writable: WritableStream<Uint8Array>,
  size: number,
  chunkSize = 64 * 1024,
): Promise<void> {
  const w = writable.getWriter();
  const chunk = new Uint8Array(chunkSize);
  for (let offset = 0; offset < size; offset += chunkSize) {
    const n = Math.min(chunkSize, size - offset);
    for (let i = 0; i < n; i++) chunk[i] = patternByte(offset + i);
    await w.write(chunk.subarray(0, n));
  }
  await w.close();
}

/**
 * Reads `readable` to its end, checking every byte against the pattern.
 * Returns the number of bytes and the offset of the first wrong byte (-1: none).
 */
export async function readPattern(
  readable: ReadableStream<Uint8Array>,
): Promise<{ bytes: number; firstMismatch: number }> {
  let bytes = 0;
  let firstMismatch = -1;
  for await (const chunk of readable) {
    if (firstMismatch < 0) {
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] !== patternByte(bytes + i)) {
          firstMismatch = bytes + i;
          break;
        }
      }
    }
    bytes += chunk.length;
  }
  return { bytes, firstMismatch };
}

/** Writes `text` to `writable` and closes it. */
export async function writeText(writable: WritableStream<Uint8Array>, text: string): Promise<void> {
  const w = writable.getWriter();
  await w.write(new TextEncoder().encode(text));
  await w.close();
}

/** Reads `readable` to its end as UTF-8. */
export function readText(readable: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(readable).text();
}

/** True when an IPv6 loopback socket can be bound here. */
export function hasIpv6(): boolean {
  try {
    Deno.listenDatagram({ transport: "udp", hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}

/** Resolves after `ms`; the timer is always cleared. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with `message` when `p` takes longer than `ms`. */
export async function within<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out: ${message}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
