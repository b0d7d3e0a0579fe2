import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { keepViewsOf, RecvBuffer } from "./recv_buffer.ts";

function randomBytes(rnd: SeededRandom, n: number): Uint8Array {
  const b = new Uint8Array(n);
  rnd.fill(b);
  return b;
}

function shuffle<T>(rnd: SeededRandom, a: T[]): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rnd.u32() % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}

function readAll(b: RecvBuffer, max = Infinity): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let p = b.read(max); p !== null; p = b.read(max)) parts.push(p);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

Deno.test("RecvBuffer.insert() copies the data it keeps", () => {
  const b = new RecvBuffer();
  const src = new Uint8Array([1, 2, 3]);
  b.insert(0, src);
  src.fill(9);
  assert.deepEqual(b.read(), new Uint8Array([1, 2, 3]));
});

Deno.test("RecvBuffer ignores data below the read offset and counts buffered bytes", () => {
  const b = new RecvBuffer();
  b.insert(0, new Uint8Array([1, 2, 3, 4]));
  assert.deepEqual(b.read(2), new Uint8Array([1, 2]));
  assert.equal(b.bufferedBytes, 2);
  b.insert(0, new Uint8Array([7, 7, 7, 7, 5, 6]));
  assert.equal(b.bufferedBytes, 4);
  assert.equal(b.contiguousEnd, 6);
  assert.deepEqual(readAll(b), new Uint8Array([3, 4, 5, 6]));
  assert.equal(b.readOffset, 6);
  assert.equal(b.highestOffset, 6);
});

Deno.test("RecvBuffer.read() returns null at a gap and honours max", () => {
  const b = new RecvBuffer();
  b.insert(5, new Uint8Array(5));
  assert.equal(b.read(), null);
  assert.equal(b.highestOffset, 10);
  b.insert(0, new Uint8Array(5).fill(1));
  assert.equal(b.read(3)!.length, 3);
  assert.equal(b.read(0), null);
  assert.equal(b.readOffset, 3);
});

Deno.test("RecvBuffer.discardTo() drops held data and moves the read offset", () => {
  const b = new RecvBuffer();
  b.insert(0, new Uint8Array(10));
  b.insert(20, new Uint8Array(10));
  b.discardTo(30);
  assert.equal(b.bufferedBytes, 0);
  assert.equal(b.readOffset, 30);
  b.insert(25, new Uint8Array(10).fill(4));
  assert.deepEqual(b.read(), new Uint8Array(5).fill(4));
});

Deno.test("RecvBuffer reassembles random, overlapping, duplicated, reordered pieces byte-exact", () => {
  const rnd = new SeededRandom(1234);
  for (let round = 0; round < 60; round++) {
    const size = 1 + (rnd.u32() % 20_000);
    const src = randomBytes(rnd, size);
    const pieces: [number, number][] = [];
    // A tiling of the buffer, plus random overlapping extra pieces.
    for (let o = 0; o < size;) {
      const len = 1 + (rnd.u32() % 700);
      pieces.push([o, Math.min(size, o + len)]);
      o += len;
    }
    const extra = rnd.u32() % 50;
    for (let i = 0; i < extra; i++) {
      const s = rnd.u32() % size;
      pieces.push([s, Math.min(size, s + 1 + (rnd.u32() % 2000))]);
    }
    shuffle(rnd, pieces);
    const b = new RecvBuffer();
    const out: Uint8Array[] = [];
    let got = 0;
    for (const [s, e] of pieces) {
      // Hand over a view inside a larger, reused "packet" buffer.
      const packet = new Uint8Array(e - s + 8);
      packet.set(src.subarray(s, e), 4);
      b.insert(s, packet.subarray(4, 4 + e - s));
      packet.fill(0);
      if (rnd.float() < 0.3) {
        const chunk = readAll(b, 1 + (rnd.u32() % 900));
        out.push(chunk);
        got += chunk.length;
      }
      assert.ok(b.bufferedBytes + b.readOffset <= size);
    }
    const rest = readAll(b);
    out.push(rest);
    got += rest.length;
    assert.equal(got, size);
    const joined = new Uint8Array(size);
    let o = 0;
    for (const p of out) {
      joined.set(p, o);
      o += p.length;
    }
    assert.deepEqual(joined, src);
    assert.equal(b.bufferedBytes, 0);
  }
});

Deno.test("RecvBuffer handles 100,000 one-byte pieces in random order", () => {
  const n = 100_000;
  const rnd = new SeededRandom(99);
  const order = Array.from({ length: n }, (_, i) => i);
  shuffle(rnd, order);
  const b = new RecvBuffer();
  const one = new Uint8Array(1);
  for (const i of order) {
    one[0] = i & 0xff;
    b.insert(i, one);
  }
  assert.equal(b.bufferedBytes, n);
  let expected = 0;
  for (let p = b.read(); p !== null; p = b.read()) {
    for (const byte of p) assert.equal(byte, expected++ & 0xff);
  }
  assert.equal(expected, n);
});

Deno.test("RecvBuffer packs in-order pieces into shared slabs, out-of-order ones apart", () => {
  const b = new RecvBuffer();
  b.insert(0, new Uint8Array(100).fill(1));
  b.insert(100, new Uint8Array(100).fill(2));
  b.insert(300, new Uint8Array(50).fill(4));
  const first = b.read()!;
  const second = b.read()!;
  assert.equal(first.buffer, second.buffer);
  assert.equal(b.read(), null);
  b.insert(200, new Uint8Array(100).fill(3));
  assert.deepEqual(b.read(), new Uint8Array(100).fill(3));
  const late = b.read()!;
  assert.deepEqual(late, new Uint8Array(50).fill(4));
  assert.equal(late.buffer.byteLength, 50);
});

Deno.test("RecvBuffer keeps in-order pieces of 65,000-byte datagrams in one slab", () => {
  const b = new RecvBuffer();
  const piece = 64_900;
  for (let i = 0; i < 8; i++) b.insert(i * piece, new Uint8Array(piece).fill(i + 1));
  const parts: Uint8Array[] = [];
  for (let p = b.read(); p !== null; p = b.read()) parts.push(p);
  assert.equal(parts.length, 8);
  assert.deepEqual(parts.map((p) => p[0]), [1, 2, 3, 4, 5, 6, 7, 8]);
  // Pieces this large once got a buffer each; now at most a few slabs hold all eight.
  assert.ok(new Set(parts.map((p) => p.buffer)).size <= 3);
  assert.equal(parts[6]!.buffer, parts[7]!.buffer);
});

Deno.test("RecvBuffer.insert() keeps views of large pieces of a buffer declared with keepViewsOf()", () => {
  const b = new RecvBuffer();
  const plaintext = new Uint8Array(20_000).fill(7);
  const other = new Uint8Array(5_000).fill(8);
  keepViewsOf(plaintext.buffer);
  try {
    b.insert(0, plaintext.subarray(100, 5_100));
    b.insert(8_000, plaintext.subarray(10_000, 15_000)); // out of order: a view too
    b.insert(5_000, other.subarray(0, 3_000)); // another buffer: copied
    b.insert(13_000, plaintext.subarray(0, 100)); // small: copied
  } finally {
    keepViewsOf(null);
  }
  const first = b.read()!;
  assert.equal(first.buffer, plaintext.buffer);
  assert.equal(first.byteOffset, 100);
  const second = b.read()!;
  assert.notEqual(second.buffer, other.buffer);
  assert.deepEqual(second, new Uint8Array(3_000).fill(8));
  assert.equal(b.read()!.buffer, plaintext.buffer);
  assert.notEqual(b.read()!.buffer, plaintext.buffer);
  // Declared no more: copies again.
  const later = new Uint8Array(5_000).fill(9);
  b.insert(13_100, later);
  assert.notEqual(b.read()!.buffer, later.buffer);
});
