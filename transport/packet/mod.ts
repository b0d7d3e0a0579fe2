/**
 * QUIC packets: types, headers, packet numbers, Version Negotiation, Retry and
 * stateless reset (RFC 9000 §17, §10.3; RFC 9369 §3.2).
 *
 * @module
 */

export * from "./header.ts";
