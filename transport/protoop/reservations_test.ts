import assert from "node:assert/strict";
import { Writer } from "../wire/writer.ts";
import { FrameNotification, Op } from "./catalogue.ts";
import { ProtoopError } from "./errors.ts";
import type { FrameBooking, PlugletCall } from "./pluglet.ts";
import { FrameReservations, type ReservedFrame } from "./reservations.ts";
import { ProtoopTable } from "./table.ts";
import { attach, line } from "./_testing.ts";

const HOST = { name: "conn" };
const T = 0x40;

/** A plugin that books frames through an extern and writes/hears them as type `type`. */
function framePlugin(
  table: ProtoopTable,
  name: string,
  type: number,
  notes: string[],
  write: (c: PlugletCall) => bigint = writeFill,
) {
  return attach(
    table,
    name,
    line(`${name}.book`, "extern", (c) => {
      const frames: FrameBooking[] = [];
      for (let i = 0; i < c.args.length; i += 3) {
        frames.push({
          type,
          size: Number(c.args[i]!),
          congestionControlled: c.args[i + 1] === 1n,
          retransmittable: true,
          ctx: c.args[i + 2]!,
        });
      }
      return BigInt(c.reserveFrames(frames));
    }),
    line("write_frame", "replace", write, type),
    line("notify_frame", "replace", (c) => {
      notes.push(`${name} ctx=${c.args[3]} received=${c.args[1]}`);
    }, type),
  );
}

/** write_frame: fills the booked room with the ctx's low byte through the writer handle. */
function writeFill(c: PlugletCall): bigint {
  const w = c.handle(c.args[1]!) as Writer;
  const n = Number(c.args[2]!);
  for (let i = 0; i < n; i++) w.u8(Number(c.args[0]! & 0xffn));
  c.outputs[0] = BigInt(n);
  return 0n;
}

function setup(notes: string[]) {
  const table = new ProtoopTable();
  const res = new FrameReservations(table);
  framePlugin(table, "p", T, notes);
  return { table, res, w: new Writer(new Uint8Array(1500)) };
}

const OPEN = { window: 1_000_000, bytesInFlight: 0 };

Deno.test("nextReservedFrame() writes a booked frame, and notify_frame hears ack and loss", () => {
  const notes: string[] = [];
  const { table, res, w } = setup(notes);
  assert.equal(table.callExtern(HOST, "p.book", [10n, 1n, 7n, 20n, 0n, 8n]), 30n);
  assert.equal(res.queued, 2);
  assert.ok(res.hasCongestionControlled());
  w.pos = 5;
  const f1 = res.nextReservedFrame(HOST, w, 100, OPEN, false)!;
  assert.equal(f1.written, 10);
  assert.equal(w.pos, 15);
  assert.deepEqual([...w.buf.subarray(5, 15)], new Array(10).fill(7));
  assert.equal(res.pluginBytesInFlight, 10);
  const f2 = res.nextReservedFrame(HOST, w, 100, OPEN, false)!;
  assert.equal(f2.ctx, 8n);
  assert.equal(res.pluginBytesInFlight, 10); // not congestion controlled
  assert.equal(res.nextReservedFrame(HOST, w, 100, OPEN, false), null);
  assert.ok(!res.hasCongestionControlled());
  res.onAcked(HOST, f1, {});
  res.onLost(HOST, f2, {});
  assert.deepEqual(notes, ["p ctx=7 received=1", "p ctx=8 received=0"]);
  assert.equal(res.pluginBytesInFlight, 0);
});

Deno.test("a frame whose write_frame fails is never written: notify_frame gets 2", () => {
  const notes: string[] = [];
  const table = new ProtoopTable();
  const res = new FrameReservations(table);
  framePlugin(table, "bad", T, notes, () => 1n);
  framePlugin(table, "liar", T + 1, notes, (c) => {
    c.outputs[0] = 1000n; // more than booked
    return 0n;
  });
  table.callExtern(HOST, "bad.book", [10n, 1n, 1n]);
  table.callExtern(HOST, "liar.book", [10n, 1n, 2n]);
  const w = new Writer(new Uint8Array(100));
  assert.equal(res.nextReservedFrame(HOST, w, 100, OPEN, false), null);
  assert.equal(w.pos, 0);
  assert.deepEqual(notes, ["bad ctx=1 received=2", "liar ctx=2 received=2"]);
  assert.equal(res.queued, 0);
});

Deno.test("a write_frame that overruns its room is a plugin fault and nothing is written", () => {
  const table = new ProtoopTable();
  const res = new FrameReservations(table);
  framePlugin(table, "over", T, [], (c) => {
    const w = c.handle(c.args[1]!) as Writer;
    w.bytes(new Uint8Array(50));
    return 0n;
  });
  table.callExtern(HOST, "over.book", [10n, 0n, 0n]);
  const w = new Writer(new Uint8Array(100));
  assert.throws(
    () => res.nextReservedFrame(HOST, w, 100, OPEN, false),
    (e) => e instanceof ProtoopError && e.kind === "pluginFault" && e.plugin === "over",
  );
  assert.equal(w.end, 100);
});

Deno.test("discardAll() notifies every queued frame as never written", () => {
  const notes: string[] = [];
  const { table, res } = setup(notes);
  table.callExtern(HOST, "p.book", [10n, 1n, 1n, 10n, 0n, 2n]);
  res.discardAll(HOST);
  assert.deepEqual(notes, ["p ctx=1 received=2", "p ctx=2 received=2"]);
  assert.equal(res.queued, 0);
  assert.equal(FrameNotification.NeverWritten, 2);
});

Deno.test("write_frame's retry-in-next-packet keeps the frame for the next packet", () => {
  const notes: string[] = [];
  const table = new ProtoopTable();
  const res = new FrameReservations(table);
  let tries = 0;
  framePlugin(table, "r", T, notes, (c) => {
    if (tries++ === 0) return 0x801n;
    return writeFill(c);
  });
  table.callExtern(HOST, "r.book", [4n, 1n, 3n]);
  const w = new Writer(new Uint8Array(100));
  assert.equal(res.nextReservedFrame(HOST, w, 100, OPEN, false), null);
  assert.equal(res.nextReservedFrame(HOST, w, 100, OPEN, false), null); // same packet
  assert.equal(res.queued, 1);
  res.startPacket();
  assert.equal(res.nextReservedFrame(HOST, w, 100, OPEN, false)?.written, 4);
  assert.deepEqual(notes, []);
  assert.equal(tries, 2);
});

Deno.test("plugin frames hold at most half the window while core has data", () => {
  const { table, res, w } = setup([]);
  const args: bigint[] = [];
  for (let i = 0; i < 5; i++) args.push(1000n, 1n, BigInt(i));
  table.callExtern(HOST, "p.book", args);
  table.callExtern(HOST, "p.book", [...args]);
  const cc = { window: 10_000, bytesInFlight: 0 };
  const written: ReservedFrame[] = [];
  for (;;) {
    w.pos = 0;
    const f = res.nextReservedFrame(HOST, w, 1200, cc, true);
    if (f === null) break;
    written.push(f);
    cc.bytesInFlight += f.written;
  }
  assert.equal(written.length, 5);
  assert.equal(res.pluginBytesInFlight, 5000);
  // Without core data waiting, plugins may fill the window.
  while (res.nextReservedFrame(HOST, w, 1200, cc, false) !== null) cc.bytesInFlight += 1000;
  assert.equal(cc.bytesInFlight, 10_000);
  assert.equal(res.queued, 0);
  // An ack frees room under the share again.
  res.onAcked(HOST, written[0]!, null);
  assert.equal(res.pluginBytesInFlight, 9000);
});

Deno.test("frames not under congestion control ignore the window; too large ones wait", () => {
  const { table, res, w } = setup([]);
  table.callExtern(HOST, "p.book", [500n, 0n, 1n, 2000n, 0n, 2n]);
  const full = { window: 1000, bytesInFlight: 5000 };
  assert.equal(res.nextReservedFrame(HOST, w, 1200, full, true)?.ctx, 1n);
  assert.equal(res.nextReservedFrame(HOST, w, 1200, full, true), null);
  assert.equal(res.queued, 1);
});

Deno.test("plugins are served round robin", () => {
  const table = new ProtoopTable();
  const res = new FrameReservations(table);
  framePlugin(table, "a", T, []);
  framePlugin(table, "b", T + 1, []);
  table.callExtern(HOST, "a.book", [1n, 0n, 1n, 1n, 0n, 2n]);
  table.callExtern(HOST, "b.book", [1n, 0n, 3n, 1n, 0n, 4n]);
  const w = new Writer(new Uint8Array(100));
  const order: string[] = [];
  for (let f = res.nextReservedFrame(HOST, w, 100, OPEN, false); f !== null;) {
    order.push(`${f.plugin}${f.ctx}`);
    f = res.nextReservedFrame(HOST, w, 100, OPEN, false);
  }
  assert.deepEqual(order, ["a1", "b3", "a2", "b4"]);
});

Deno.test("reserve() refuses a bad size or type, and only pluglets can reserve", () => {
  const { table } = setup([]);
  assert.throws(
    () => table.callExtern(HOST, "p.book", [0n, 0n, 0n]),
    (e) => e instanceof ProtoopError && e.kind === "badReservation" && e.plugin === "p",
  );
  assert.throws(() => table.callExtern(HOST, "p.book", [70_000n, 0n, 0n]), ProtoopError);
  const bare = new ProtoopTable();
  attach(
    bare,
    "x",
    line("stream_opened", "pre", (c) => {
      c.reserveFrames([{
        type: T,
        size: 1,
        congestionControlled: false,
        retransmittable: false,
        ctx: 0n,
      }]);
    }),
  );
  assert.throws(
    () => bare.fns[Op.STREAM_OPENED]!(HOST, 0),
    (e) => e instanceof ProtoopError && e.kind === "badReservation",
  );
});

Deno.test("detaching a plugin drops its queued frames", () => {
  const table = new ProtoopTable();
  const res = new FrameReservations(table);
  const a = framePlugin(table, "a", T, []);
  table.callExtern(HOST, "a.book", [5n, 1n, 1n]);
  assert.equal(res.queued, 1);
  a.detach();
  assert.equal(res.queued, 0);
  assert.ok(!res.hasCongestionControlled());
  assert.ok(table.isDefault(Op.WRITE_FRAME));
});

Deno.test("hold() keeps a plugin's frames queued but unsent until release()", () => {
  const notes: string[] = [];
  const { table, res, w } = setup(notes);
  table.callExtern(HOST, "p.book", [10n, 1n, 1n]);
  res.hold("p"); // a frame booked before the hold is held too
  table.callExtern(HOST, "p.book", [10n, 0n, 2n]);
  assert.ok(res.isHeld("p"));
  assert.equal(res.queued, 0, "held frames do not count as queued");
  assert.ok(!res.hasCongestionControlled());
  assert.equal(res.nextReservedFrame(HOST, w, 100, OPEN, false), null);
  res.release("p");
  assert.ok(!res.isHeld("p"));
  assert.equal(res.queued, 2);
  assert.equal(res.nextReservedFrame(HOST, w, 100, OPEN, false)!.ctx, 1n, "in booking order");
  assert.equal(res.nextReservedFrame(HOST, w, 100, OPEN, false)!.ctx, 2n);
  // Held frames are dropped with the rest when the connection closes.
  res.hold("p");
  table.callExtern(HOST, "p.book", [10n, 1n, 3n]);
  res.discardAll(HOST);
  assert.deepEqual(notes, ["p ctx=3 received=2"]);
});
