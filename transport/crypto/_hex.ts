/**
 * Hex constants for RFC-given values (salts, fixed keys). Not for packet paths.
 *
 * @module
 */

/** Bytes of a lowercase or uppercase hex string of even length. */
export function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
