// deno-lint-ignore-file no-console
/**
 * What the protoop table costs (DESIGN.md principles 2 and 6).
 *
 * Each case runs 1,000 calls of a protoop shaped like `update_rtt` (four
 * number arguments, a little arithmetic on the host object):
 * - a direct call of the default function (the baseline);
 * - the same call through the table slot with nothing attached (must be the
 *   same within noise: the slot holds the default itself);
 * - through the slot with a pre observer, with a post observer, and with a
 *   replace pluglet (TypeScript pluglets: marshalling, handles, the loop
 *   guard — the cost a plugin brings, before any VM);
 * - a param protoop (`process_frame`, with a default shaped like
 *   receive.ts's `handleFrame`: a switch too large to inline, as core's
 *   defaults are): no plugin, and a plugin on another frame type (the
 *   per-param dispatcher every frame then goes through).
 * Plus the metadata store: WeakMap (what MetadataStore uses) against a
 * symbol-keyed property added to the object.
 *
 * Run: `deno bench -A bench/protoop_bench.ts`, or, on a noisy machine,
 * `deno run -A bench/protoop_bench.ts [--rounds N]`: the cases run
 * interleaved, round after round, and the median per case is reported with
 * its ratio to the direct call measured in the same rounds.
 *
 * @module
 */

import { attachPlugin } from "../transport/protoop/attach.ts";
import { Op } from "../transport/protoop/catalogue.ts";
import { MetadataStore } from "../transport/protoop/metadata.ts";
import type { Pluglet } from "../transport/protoop/pluglet.ts";
import { ProtoopTable, type SlotFn } from "../transport/protoop/table.ts";

const N = 1000;

/** One case: its group, name, and body (N calls). */
interface Case {
  group: string;
  name: string;
  baseline?: boolean;
  fn: () => void;
}
const cases: Case[] = [];

/** Registers a case for `deno bench` and for the interleaved runner. */
function bench(c: Case): void {
  cases.push(c);
  if (!import.meta.main) {
    Deno.bench({ name: c.name, group: c.group, baseline: c.baseline === true, fn: c.fn });
  }
}

/** Stand-in for the connection: an RTT estimator's fields. */
class Host {
  smoothed = 100_000;
  rttvar = 50_000;
  min = 100_000;
  latest = 0;
}

/** The default: RFC 9002 §5.3 smoothing, enough work not to be folded away. */
function updateRtt(h: Host, _space: number, sample: number, delay: number, _now: number): void {
  h.latest = sample;
  if (sample < h.min) h.min = sample;
  const adjusted = sample >= h.min + delay ? sample - delay : sample;
  h.rttvar = (3 * h.rttvar + Math.abs(h.smoothed - adjusted)) >> 2;
  h.smoothed = (7 * h.smoothed + adjusted) >> 3;
}

/** Shaped like receive.ts's handleFrame: a switch on the frame type, too large to inline. */
function processFrame(h: Host, type: number, frame: { n: number }, _hdr: null, _s: number): number {
  switch (type) {
    case 0x00:
    case 0x01:
      return 0;
    case 0x02:
    case 0x03:
      h.latest += frame.n;
      h.min = Math.min(h.min, h.latest);
      return 0;
    case 0x04:
      h.rttvar ^= frame.n;
      return 0;
    case 0x05:
      h.rttvar |= frame.n;
      return 0;
    case 0x06:
      h.smoothed = (h.smoothed * 7 + frame.n) >> 3;
      return 0;
    case 0x08:
    case 0x09:
    case 0x0a:
    case 0x0b:
    case 0x0c:
    case 0x0d:
    case 0x0e:
    case 0x0f:
      h.latest += frame.n + (type & 7);
      if (h.latest > 1e12) h.latest = 0;
      return 0;
    case 0x10:
    case 0x11:
      h.min = Math.max(h.min, frame.n);
      return 0;
    case 0x12:
    case 0x13:
      h.rttvar = Math.max(h.rttvar, frame.n);
      return 0;
    case 0x18:
      h.smoothed = frame.n;
      return 0;
    case 0x1a:
    case 0x1b:
      h.latest = h.latest * 31 + frame.n;
      return 0;
    case 0x1c:
    case 0x1d:
      h.latest = -1;
      return 0;
    default:
      throw new RangeError(`Cannot process frame type ${type}`);
  }
}

const defaults = {
  [Op.UPDATE_RTT]: updateRtt as SlotFn,
  [Op.PROCESS_FRAME]: processFrame as SlotFn,
};
const noop: Pluglet = { run: () => 0n };
const replace: Pluglet = {
  run: (c) => {
    const h = c.host as Host;
    h.smoothed = Number(c.args[1]!);
    return 0n;
  },
};

function table(anchor?: "pre" | "post" | "replace"): ProtoopTable {
  const t = new ProtoopTable(defaults);
  if (anchor !== undefined) {
    attachPlugin(t, {
      name: "bench",
      pluglets: [{ op: "update_rtt", anchor, pluglet: anchor === "replace" ? replace : noop }],
    });
  }
  return t;
}

const host = new Host();
const bare = table();
const withPre = table("pre");
const withPost = table("post");
const withReplace = table("replace");

bench({
  name: "direct call",
  group: "update_rtt ×1000",
  baseline: true,
  fn() {
    for (let i = 0; i < N; i++) updateRtt(host, 2, 90_000 + (i & 1023), 1000, i);
  },
});
bench({
  name: "table slot, no plugin",
  group: "update_rtt ×1000",
  fn() {
    const fns = bare.fns;
    for (let i = 0; i < N; i++) fns[Op.UPDATE_RTT]!(host, 2, 90_000 + (i & 1023), 1000, i);
  },
});
bench({
  name: "table slot, via the table each call",
  group: "update_rtt ×1000",
  fn() {
    for (let i = 0; i < N; i++) bare.fns[Op.UPDATE_RTT]!(host, 2, 90_000 + (i & 1023), 1000, i);
  },
});
bench({
  name: "table slot, one pre observer",
  group: "update_rtt ×1000",
  fn() {
    const fns = withPre.fns;
    for (let i = 0; i < N; i++) fns[Op.UPDATE_RTT]!(host, 2, 90_000 + (i & 1023), 1000, i);
  },
});
bench({
  name: "table slot, one post observer",
  group: "update_rtt ×1000",
  fn() {
    const fns = withPost.fns;
    for (let i = 0; i < N; i++) fns[Op.UPDATE_RTT]!(host, 2, 90_000 + (i & 1023), 1000, i);
  },
});
bench({
  name: "table slot, replace pluglet",
  group: "update_rtt ×1000",
  fn() {
    const fns = withReplace.fns;
    for (let i = 0; i < N; i++) fns[Op.UPDATE_RTT]!(host, 2, 90_000 + (i & 1023), 1000, i);
  },
});

const frame = { n: 1 };
const frameBare = new ProtoopTable(defaults);
const frameOther = new ProtoopTable(defaults);
attachPlugin(frameOther, {
  name: "bench.frames",
  pluglets: [{ op: "process_frame", param: 0x40, anchor: "pre", pluglet: noop }],
});
bench({
  name: "direct call",
  group: "process_frame[0x08] ×1000",
  baseline: true,
  fn() {
    for (let i = 0; i < N; i++) processFrame(host, 0x08, frame, null, 2);
  },
});
bench({
  name: "table slot, no plugin",
  group: "process_frame[0x08] ×1000",
  fn() {
    const fns = frameBare.fns;
    for (let i = 0; i < N; i++) fns[Op.PROCESS_FRAME]!(host, 0x08, frame, null, 2);
  },
});
bench({
  name: "table slot, a plugin on frame type 0x40",
  group: "process_frame[0x08] ×1000",
  fn() {
    const fns = frameOther.fns;
    for (let i = 0; i < N; i++) fns[Op.PROCESS_FRAME]!(host, 0x08, frame, null, 2);
  },
});

// ---- metadata: WeakMap (MetadataStore) against a symbol property on the object
const store = new MetadataStore();
const META = Symbol("pquic.metadata");
type Tagged = { pn: number; [META]?: BigUint64Array };
const objs: Tagged[] = [];
for (let i = 0; i < 256; i++) objs.push({ pn: i });
const tagged: Tagged[] = [];
for (let i = 0; i < 256; i++) tagged.push({ pn: i });
bench({
  name: "MetadataStore (WeakMap) set+get",
  group: "metadata ×1000",
  baseline: true,
  fn() {
    for (let i = 0; i < N; i++) {
      const o = objs[i & 255]!;
      store.set(1, o, 3, BigInt(i));
      if (store.get(1, o, 3) !== BigInt(i)) throw new Error("metadata");
    }
  },
});
bench({
  name: "symbol property set+get",
  group: "metadata ×1000",
  fn() {
    for (let i = 0; i < N; i++) {
      const o = tagged[i & 255]!;
      const s = o[META] ??= new BigUint64Array(10);
      s[3] = BigInt(i);
      if (s[3] !== BigInt(i)) throw new Error("metadata");
    }
  },
});
// What a property added after construction does to core's reads of the object.
const plain: { pn: number; size: number }[] = [];
const mixed: { pn: number; size: number }[] = [];
for (let i = 0; i < 256; i++) {
  plain.push({ pn: i, size: 1200 });
  const m: { pn: number; size: number; [META]?: BigUint64Array } = { pn: i, size: 1200 };
  if (i % 2 === 0) m[META] = new BigUint64Array(10);
  mixed.push(m);
}
bench({
  name: "core reads packets nobody tagged",
  group: "core field reads ×1000",
  baseline: true,
  fn() {
    let s = 0;
    for (let i = 0; i < N; i++) s += plain[i & 255]!.size;
    if (s === 0) throw new Error("sum");
  },
});
bench({
  name: "core reads packets, half tagged with a symbol property",
  group: "core field reads ×1000",
  fn() {
    let s = 0;
    for (let i = 0; i < N; i++) s += mixed[i & 255]!.size;
    if (s === 0) throw new Error("sum");
  },
});

// ---- interleaved runner: `deno run -A bench/protoop_bench.ts [--rounds N]`
if (import.meta.main) {
  const i = Deno.args.indexOf("--rounds");
  const rounds = i >= 0 ? Number(Deno.args[i + 1]) : 400;
  const samples = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + r) % cases.length]!;
      const t0 = performance.now();
      for (let rep = 0; rep < 20; rep++) c.fn();
      samples[cases.indexOf(c)]!.push((performance.now() - t0) / 20);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  let base = 1;
  let group = "";
  for (let k = 0; k < cases.length; k++) {
    const c = cases[k]!;
    if (c.group !== group) {
      group = c.group;
      console.log(`\n${group} (median of ${rounds} interleaved rounds)`);
    }
    const m = median(samples[k]!) * 1000;
    if (c.baseline === true) base = m;
    console.log(`  ${c.name.padEnd(56)} ${m.toFixed(2).padStart(9)} µs  ×${(m / base).toFixed(3)}`);
  }
}
