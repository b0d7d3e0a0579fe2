import assert from "node:assert/strict";
import { Op } from "./catalogue.ts";
import { ProtoopError, ProtoopErrorKind } from "./errors.ts";
import { type DirectCall, DirectInput, type Pluglet, type PlugletCall } from "./pluglet.ts";
import { ProtoopTable } from "./table.ts";
import { attach, line } from "./_testing.ts";

const HOST = { name: "conn" };

/**
 * An observer with both forms; `direct` decides what `observe` does (its
 * result says if it ran); `run` logs its anchor and last input.
 */
function observer(
  log: string[],
  direct: (c: DirectCall) => boolean,
  run: (c: PlugletCall) => void = (c) => void log.push(`run ${c.anchor} ${c.args.at(-1)}`),
): Pluglet {
  return {
    run: (c) => (run(c), 0n),
    observe: (c) => direct(c),
  };
}

function postLine(op: string, p: Pluglet, param?: number) {
  return param === undefined
    ? { op, anchor: "post" as const, pluglet: p }
    : { op, anchor: "post" as const, pluglet: p, param };
}

Deno.test("direct observers see the native inputs and their kinds; the default runs first", () => {
  const log: string[] = [];
  const header = { end: 40 };
  const t = new ProtoopTable();
  attach(
    t,
    "m",
    postLine(
      "header_parsed",
      observer(log, (c) => {
        log.push(
          `observe ${c.param} ${c.argc} ${c.native[2]} ${c.native[3]} [${c.kinds.join(",")}]`,
        );
        assert.equal(c.native[0], header);
        return true;
      }),
    ),
  );
  assert.equal(t.fns[Op.HEADER_PARSED]!(HOST, header, null, 7, 1200), undefined);
  assert.deepEqual(log, [
    `observe 65535 4 7 1200 [${DirectInput.Other},${DirectInput.Other},${DirectInput.Number},${DirectInput.Number}]`,
  ]);
});

Deno.test("an observer that asks for the full call gets what run would have seen", () => {
  const seen: unknown[] = [];
  const t = new ProtoopTable({ [Op.PROCESS_FRAME]: () => 5 });
  const frame = { type: 1 };
  const header = { pn: 3 };
  attach(
    t,
    "m",
    postLine(
      "process_frame",
      observer([], (c) => {
        const full = c.full();
        assert.equal(c.full(), full, "made once per observer");
        seen.push(full.anchor, full.plugin, full.param, full.returnValue, [...full.args].slice(2));
        seen.push(full.handle(full.args[0]!) === frame, full.handle(full.args[1]!) === header);
        return true;
      }),
      1,
    ),
  );
  assert.equal(t.fns[Op.PROCESS_FRAME]!(HOST, 1, frame, header, 2, 99), 5);
  assert.deepEqual(seen, ["post", "m", 1, 5n, [2n, 99n], true, true]);
  // The handles the full call registered are released with the call.
  assert.equal(t.handles.get(1), undefined);
});

Deno.test("an observer that cannot run directly runs through run with the full call", () => {
  const log: string[] = [];
  const t = new ProtoopTable();
  let direct = false;
  attach(t, "m", postLine("segment_prepared", observer(log, () => direct)));
  t.fns[Op.SEGMENT_PREPARED]!(HOST, { pn: 1 }, 1252);
  direct = true;
  t.fns[Op.SEGMENT_PREPARED]!(HOST, { pn: 2 }, 1252);
  assert.deepEqual(log, ["run post 1252"]);
});

Deno.test("each direct observer's full call is its own: plugin, fresh inputs", () => {
  const seen: string[] = [];
  const t = new ProtoopTable();
  const asks = (c: DirectCall) => {
    const f = c.full();
    seen.push(`${f.plugin} ${f.args[1]}`);
    f.args[1] = 0n; // an observer's copy: the next one sees the input again
    return true;
  };
  attach(t, "a", postLine("segment_prepared", observer([], asks)));
  attach(t, "b", postLine("segment_prepared", observer([], asks)));
  t.fns[Op.SEGMENT_PREPARED]!(HOST, { pn: 1 }, 900);
  assert.deepEqual(seen, ["a 900", "b 900"]);
});

Deno.test("slots with a pre, a replace or an observer without observe take the general path", () => {
  const log: string[] = [];
  const t = new ProtoopTable();
  const obs = observer(log, () => {
    log.push("observe");
    return true;
  });
  attach(t, "m", postLine("segment_prepared", obs));
  const ts = attach(t, "ts", line("segment_prepared", "post", () => void log.push("ts")));
  t.fns[Op.SEGMENT_PREPARED]!(HOST, { pn: 1 }, 10);
  assert.deepEqual(log, ["run post 10", "ts"]);
  // Without the TypeScript observer, the slot runs directly again.
  ts.detach();
  log.length = 0;
  t.fns[Op.SEGMENT_PREPARED]!(HOST, { pn: 1 }, 10);
  assert.deepEqual(log, ["observe"]);
  // A pre observer on the same slot: general path.
  attach(t, "pre", line("segment_prepared", "pre", () => void log.push("pre")));
  log.length = 0;
  t.fns[Op.SEGMENT_PREPARED]!(HOST, { pn: 1 }, 10);
  assert.deepEqual(log, ["pre", "run post 10"]);
});

Deno.test("a default that throws runs no direct observer and leaves the slot usable", () => {
  const log: string[] = [];
  let fail = true;
  const t = new ProtoopTable({
    [Op.UPDATE_RTT]: () => {
      if (fail) throw new Error("default failed");
    },
  });
  attach(t, "m", postLine("update_rtt", observer(log, () => (log.push("observe"), true))));
  assert.throws(() => t.fns[Op.UPDATE_RTT]!(HOST, 2, 1000, 0, 5), /default failed/);
  assert.deepEqual(log, []);
  fail = false;
  t.fns[Op.UPDATE_RTT]!(HOST, 2, 1000, 0, 5);
  assert.deepEqual(log, ["observe"]);
});

Deno.test("a direct observer re-entering its protoop through the full call is refused", () => {
  const t = new ProtoopTable();
  let err: unknown = null;
  attach(
    t,
    "m",
    postLine(
      "segment_prepared",
      observer([], (c) => {
        try {
          c.full().call("segment_prepared", [0n, 1n]);
        } catch (e) {
          err = e;
        }
        return true;
      }),
    ),
  );
  t.fns[Op.SEGMENT_PREPARED]!(HOST, { pn: 1 }, 10);
  assert.ok(err instanceof ProtoopError);
  assert.equal(err.kind, ProtoopErrorKind.Recursion);
  // Not left running.
  t.fns[Op.SEGMENT_PREPARED]!(HOST, { pn: 1 }, 10);
});

Deno.test("a param protoop runs direct observers for its attached param only", () => {
  const log: string[] = [];
  const t = new ProtoopTable({ [Op.PROCESS_FRAME]: (_h, type: number) => type === 8 ? 1 : 0 });
  attach(
    t,
    "m",
    postLine(
      "process_frame",
      observer(log, (c) => {
        log.push(`observe ${c.param} ${c.native[3]}`);
        return true;
      }),
      8,
    ),
  );
  assert.equal(t.fns[Op.PROCESS_FRAME]!(HOST, 8, {}, {}, 2, 77), 1);
  assert.equal(t.fns[Op.PROCESS_FRAME]!(HOST, 6, {}, {}, 2, 78), 0);
  assert.deepEqual(log, ["observe 8 77"]);
});

Deno.test("a noop protoop observed directly returns its constant; observers see it", () => {
  const seen: bigint[] = [];
  const t = new ProtoopTable();
  attach(
    t,
    "m",
    postLine(
      "write_ecn_block",
      observer([], (c) => {
        seen.push(c.full().returnValue);
        return true;
      }),
    ),
  );
  assert.equal(t.fns[Op.WRITE_ECN_BLOCK]!(HOST, { pos: 0 }, 2), 0);
  assert.deepEqual(seen, [0n]);
});

Deno.test("a core default given for a noop protoop still runs under direct observers", () => {
  const log: string[] = [];
  const t = new ProtoopTable({ [Op.WRITE_ECN_BLOCK]: () => (log.push("default"), 3) });
  attach(
    t,
    "m",
    postLine(
      "write_ecn_block",
      observer(log, (c) => {
        log.push(`observe ${c.full().returnValue}`);
        return true;
      }),
    ),
  );
  assert.equal(t.fns[Op.WRITE_ECN_BLOCK]!(HOST, { pos: 0 }, 2), 3);
  assert.deepEqual(log, ["default", "observe 3"]);
});
