import assert from "node:assert/strict";
import { TransportError } from "../errors.ts";
import { CATALOGUE, Op, Outputs } from "./catalogue.ts";
import { ProtoopError } from "./errors.ts";
import { ProtoopTable, type SlotFn } from "./table.ts";
import { attach, line } from "./_testing.ts";

/** A host object standing in for the connection. */
const HOST = { name: "conn" };

/** update_rtt(space, latest_rtt, ack_delay, now) with a recording default. */
function rttTable(log: string[]): { table: ProtoopTable; def: SlotFn } {
  const def: SlotFn = (_h, space: number, sample: number, delay: number, now: number) => {
    log.push(`default ${space} ${sample} ${delay} ${now}`);
  };
  return { table: new ProtoopTable({ [Op.UPDATE_RTT]: def }), def };
}

Deno.test("ProtoopTable holds the default function itself when nothing is attached", () => {
  const { table, def } = rttTable([]);
  assert.equal(table.fns[Op.UPDATE_RTT], def);
  assert.ok(table.isDefault(Op.UPDATE_RTT));
  assert.equal(table.plugged[Op.UPDATE_RTT], 0);
  assert.equal(table.fns.length, CATALOGUE.length);
});

Deno.test("ProtoopTable noop defaults return the zero of their return kind", () => {
  const t = new ProtoopTable();
  assert.equal(t.fns[Op.STREAM_OPENED]!(HOST, 4), undefined);
  assert.equal(t.fns[Op.WRITE_ECN_BLOCK]!(HOST, null, 2), 0);
});

Deno.test("pre, replace and post run in attach order with the inputs, outputs and return value", () => {
  const log: string[] = [];
  const table = new ProtoopTable({
    [Op.PREPARE_ACK_FRAME]: () => {
      log.push("default");
      return 7;
    },
  });
  const w = { pos: 10 };
  const pkt = { pn: 3 };
  attach(
    table,
    "a",
    line("prepare_ack_frame", "pre", (c) => {
      log.push(`a.pre ${c.args[0]} ${c.anchor} ${c.plugin}`);
      assert.equal(c.handle(c.args[1]!), w);
    }),
    line("prepare_ack_frame", "post", (c) => log.push(`a.post ret=${c.returnValue}`)),
  );
  attach(
    table,
    "b",
    line("prepare_ack_frame", "pre", () => log.push("b.pre")),
    line("prepare_ack_frame", "replace", (c) => {
      log.push(`b.replace ${c.args[0]} ${c.handle(c.args[2]!) === pkt} ${c.args[3]}`);
      return 42n;
    }),
    line("prepare_ack_frame", "post", (c) => log.push(`b.post ret=${c.returnValue} ${c.args[0]}`)),
  );
  const r = table.call[Op.PREPARE_ACK_FRAME](HOST, 2, w as never, pkt, 1_000);
  assert.equal(r, 42);
  assert.deepEqual(log, [
    "a.pre 2 pre a",
    "b.pre",
    "b.replace 2 true 1000",
    "a.post ret=42",
    "b.post ret=42 2",
  ]);
});

Deno.test("post observers see the default's outputs and return value", () => {
  const table = new ProtoopTable({
    [Op.WRITE_FRAME]: (
      _h: unknown,
      _type: number,
      ctx: bigint,
      _w: unknown,
      max: number,
      out: Outputs,
    ) => {
      out.values[0] = max - 1;
      out.values[1] = true;
      return ctx === 9n ? 0 : 1;
    },
  });
  let seen: bigint[] = [];
  attach(
    table,
    "obs",
    line("write_frame", "post", (c) => {
      seen = [c.returnValue, c.outputs[0]!, c.outputs[1]!, c.args[0]!, BigInt(c.param)];
    }, 0x40),
  );
  const out = new Outputs();
  const r = table.fns[Op.WRITE_FRAME]!(HOST, 0x40, 9n, null, 100, out);
  assert.equal(r, 0);
  assert.deepEqual(out.values.slice(0, 2), [99, true]);
  assert.deepEqual(seen, [0n, 99n, 1n, 9n, 0x40n]);
});

Deno.test("a replace's outputs reach the caller's Outputs as native values", () => {
  const table = new ProtoopTable();
  attach(
    table,
    "w",
    line("write_frame", "replace", (c) => {
      c.outputs[0] = 12n;
      c.outputs[1] = 1n;
      return 0x801n;
    }, 0x41),
  );
  const out = new Outputs();
  assert.equal(table.fns[Op.WRITE_FRAME]!(HOST, 0x41, 0n, null, 50, out), 0x801);
  assert.deepEqual(out.values.slice(0, 2), [12, true]);
});

Deno.test("observers are read-only: writes to inputs and outputs change nothing", () => {
  const log: string[] = [];
  const table = new ProtoopTable({
    [Op.WRITE_FRAME]: (
      _h: unknown,
      _t: number,
      ctx: bigint,
      _w: unknown,
      max: number,
      out: Outputs,
    ) => {
      log.push(`default ${ctx} ${max}`);
      out.values[0] = 5;
      return 0;
    },
  });
  attach(
    table,
    "meddler",
    line("write_frame", "pre", (c) => {
      log.push(`pre1 ${c.args[0]}`);
      c.args[0] = 666n;
      c.outputs[0] = 666n;
    }, 0x40),
    line("write_frame", "pre", (c) => log.push(`pre2 ${c.args[0]}`), 0x40),
    line("write_frame", "post", (c) => {
      log.push(`post1 ${c.outputs[0]}`);
      c.outputs[0] = 666n;
      c.args[2] = 666n;
      return 777n;
    }, 0x40),
    line("write_frame", "post", (c) => log.push(`post2 ${c.outputs[0]} ${c.args[2]}`), 0x40),
  );
  const out = new Outputs();
  assert.equal(table.fns[Op.WRITE_FRAME]!(HOST, 0x40, 3n, null, 80, out), 0);
  assert.equal(out.values[0], 5);
  assert.deepEqual(log, ["pre1 3", "pre2 3", "default 3 80", "post1 5", "post2 5 80"]);
});

Deno.test("a param protoop runs pluglets only for the attached param", () => {
  const calls: string[] = [];
  const def: SlotFn = (_h, type: number, frame: { n: number }) => {
    calls.push(`default 0x${type.toString(16)} ${frame.n}`);
    return 0;
  };
  const table = new ProtoopTable({ [Op.PROCESS_FRAME]: def });
  const a = attach(
    table,
    "p",
    line("process_frame", "replace", (c) => {
      const f = c.handle(c.args[0]!) as { n: number };
      calls.push(`plugin 0x${c.param.toString(16)} ${f.n} ${c.args[2]} ${c.args[3]}`);
      return 0n;
    }, 0x40),
  );
  assert.notEqual(table.fns[Op.PROCESS_FRAME], def);
  assert.equal(table.plugged[Op.PROCESS_FRAME], 1);
  table.fns[Op.PROCESS_FRAME]!(HOST, 0x40, { n: 1 }, null, 2, 1000);
  table.fns[Op.PROCESS_FRAME]!(HOST, 0x08, { n: 2 }, null, 2, 1000);
  assert.deepEqual(calls, ["plugin 0x40 1 2 1000", "default 0x8 2"]);
  assert.deepEqual(table.attachedParams(Op.PROCESS_FRAME), [0x40]);
  a.detach();
  assert.equal(table.fns[Op.PROCESS_FRAME], def);
  assert.deepEqual(table.attachedParams(Op.PROCESS_FRAME), []);
});

Deno.test("a param protoop dispatches params below and above 0xff, and follows detaches", () => {
  const calls: string[] = [];
  const def: SlotFn = (_h, type: number) => (calls.push(`default 0x${type.toString(16)}`), 0);
  const table = new ProtoopTable({ [Op.PROCESS_FRAME]: def });
  const seen = (c: { param: number }) => void calls.push(`post 0x${c.param.toString(16)}`);
  const low = attach(table, "low", line("process_frame", "post", seen, 0x08));
  attach(table, "high", line("process_frame", "post", seen, 0x2ab2));
  for (const type of [0x08, 0x09, 0x2ab2, 0x2ab3]) {
    table.fns[Op.PROCESS_FRAME]!(HOST, type, { n: 0 }, null, 2, 1000);
  }
  low.detach();
  table.fns[Op.PROCESS_FRAME]!(HOST, 0x08, { n: 0 }, null, 2, 1000);
  assert.deepEqual(calls, [
    "default 0x8",
    "post 0x8",
    "default 0x9",
    "default 0x2ab2",
    "post 0x2ab2",
    "default 0x2ab3",
    "default 0x8",
  ]);
});

Deno.test("handles are valid during the call and dead after it", () => {
  const table = new ProtoopTable();
  const frame = { type: 0x40 };
  let id = 0n;
  attach(
    table,
    "h",
    line("stream_opened", "pre", () => {}),
    line("packet_was_lost", "pre", (c) => {
      id = c.args[0]!;
      assert.equal(c.handle(id), frame);
      assert.equal(c.args[1], 0n); // null path
    }),
  );
  table.fns[Op.PACKET_WAS_LOST]!(HOST, frame, null);
  assert.ok(id > 0n);
  assert.equal(table.handles.get(Number(id)), undefined);
  assert.equal(table.handles.scoped, 0);
});

Deno.test("a replace returns a host object through a handle", () => {
  const table = new ProtoopTable();
  const made = { type: 0x40, payload: 1 };
  attach(
    table,
    "parser",
    line("parse_frame", "replace", (c) => {
      assert.ok(c.handle(c.args[0]!) !== null);
      return c.handleOf(made);
    }, 0x40),
  );
  assert.equal(table.fns[Op.PARSE_FRAME]!(HOST, 0x40, { pos: 0 }), made);
});

Deno.test("u64 arguments carry Infinity, booleans and bigints", () => {
  const table = new ProtoopTable();
  let got: bigint[] = [];
  attach(
    table,
    "x",
    line("received_segment", "pre", (c) => void (got = [...c.args])),
    line("unknown_tp_received", "pre", (c) => void (got = [...c.args])),
  );
  table.fns[Op.RECEIVED_SEGMENT]!(HOST, null, 2, Infinity, true);
  assert.deepEqual(got, [0n, 2n, 0xffff_ffff_ffff_ffffn, 1n]);
  table.fns[Op.UNKNOWN_TP_RECEIVED]!(HOST, 0x4000_0000_0000_0000n, new Uint8Array(1));
  assert.equal(got[0], 0x4000_0000_0000_0000n);
  assert.ok(got[1]! > 0n);
});

Deno.test("detach restores the default function and the other plugins keep running", () => {
  const log: string[] = [];
  const { table, def } = rttTable(log);
  const a = attach(table, "a", line("update_rtt", "pre", () => log.push("a")));
  const b = attach(table, "b", line("update_rtt", "post", () => log.push("b")));
  a.detach();
  a.detach(); // idempotent
  assert.equal(a.attached, false);
  table.fns[Op.UPDATE_RTT]!(HOST, 2, 30_000, 1_000, 5);
  assert.deepEqual(log, ["default 2 30000 1000 5", "b"]);
  b.detach();
  assert.equal(table.fns[Op.UPDATE_RTT], def);
  assert.equal(table.plugged[Op.UPDATE_RTT], 0);
});

Deno.test("attachPlugin() rolls the whole plugin back when a second replace is refused", () => {
  const log: string[] = [];
  const { table, def } = rttTable(log);
  attach(table, "first", line("prepare_ack_frame", "replace", () => 1n));
  const before = table.fns[Op.PREPARE_ACK_FRAME];
  assert.throws(
    () =>
      attach(
        table,
        "second",
        line("update_rtt", "pre", () => log.push("second.pre")),
        line("stream_opened", "post", () => log.push("second.post")),
        line("exported_op", "extern", () => 5n),
        line("prepare_ack_frame", "replace", () => 2n),
      ),
    (e) => e instanceof ProtoopError && e.kind === "replaceExists" && e.plugin === "second",
  );
  assert.equal(table.fns[Op.UPDATE_RTT], def);
  assert.ok(table.isDefault(Op.STREAM_OPENED));
  assert.equal(table.fns[Op.PREPARE_ACK_FRAME], before);
  assert.equal(table.fns[Op.PREPARE_ACK_FRAME]!(HOST, 0, null, null, 0), 1);
  assert.throws(() => table.callExtern(HOST, "exported_op", []), isKind("unknownOp"));
  table.fns[Op.UPDATE_RTT]!(HOST, 2, 1, 0, 0);
  assert.deepEqual(log, ["default 2 1 0 0"]);
});

Deno.test("extern protoops: the application and pluglets call them, core cannot", () => {
  const table = new ProtoopTable();
  const log: string[] = [];
  attach(
    table,
    "exporter",
    line("send_message", "extern", (c) => {
      log.push(`send ${c.args.join(",")} ${c.anchor}`);
      c.outputs[0] = 99n;
      c.call("stream_opened", [8n]);
      return c.args[0]! + c.args[1]!;
    }),
    line("stream_opened", "pre", (c) => log.push(`opened ${c.args[0]}`)),
  );
  const out = new BigUint64Array(1);
  assert.equal(table.callExtern(HOST, "send_message", [2n, 3n], out), 5n);
  assert.equal(out[0], 99n);
  attach(
    table,
    "user",
    line(
      "stream_closed",
      "pre",
      (c) => log.push(`via pluglet ${c.call("send_message", [1n, 1n])}`),
    ),
  );
  table.fns[Op.STREAM_CLOSED]!(HOST, 4);
  assert.deepEqual(log, [
    "send 2,3 extern",
    "opened 8",
    "send 1,1 extern",
    "opened 8",
    "via pluglet 2",
  ]);
  attach(table, "selfish", line("loop_forever", "extern", (c) => c.call("loop_forever", [])));
  assert.throws(() => table.callExtern(HOST, "loop_forever", []), isKind("recursion"));
  const id = table.idOf("send_message")!;
  assert.ok(id >= CATALOGUE.length);
  assert.throws(() => table.fns[id]!(HOST), isKind("externFromCore"));
});

function isKind(kind: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof ProtoopError, `expected a ProtoopError, got ${e}`);
    assert.equal(e.kind, kind, e.message);
    return true;
  };
}

Deno.test("error paths are ProtoopErrors of the right kind", () => {
  const table = new ProtoopTable();
  const p = (fn: () => void) => fn;
  // Unknown protoop, at attach and at call.
  assert.throws(
    () => attach(table, "u", line("no_such_op", "pre", p(() => {}))),
    isKind("unknownOp"),
  );
  assert.throws(() => table.callExtern(HOST, "no_such_op", []), isKind("unknownOp"));
  // Intern called as extern.
  assert.throws(
    () => table.callExtern(HOST, "update_rtt", [0n, 0n, 0n, 0n]),
    isKind("internAsExtern"),
  );
  // Params.
  assert.throws(
    () => attach(table, "b", line("process_frame", "pre", () => {})),
    isKind("badParam"),
  );
  assert.throws(
    () => attach(table, "b", line("update_rtt", "pre", () => {}, 3)),
    isKind("badParam"),
  );
  assert.throws(
    () => attach(table, "b", line("process_frame", "pre", () => {}, 0x1_0000)),
    isKind("badParam"),
  );
  // Anchors.
  assert.throws(
    () => attach(table, "x", line("update_rtt", "extern", () => {})),
    isKind("badAnchor"),
  );
  attach(table, "e", line("my_extern", "extern", () => 1n));
  assert.throws(() => attach(table, "o", line("my_extern", "pre", () => {})), isKind("badAnchor"));
  assert.throws(
    () => attach(table, "o", line("my_extern", "extern", () => {})),
    isKind("replaceExists"),
  );
  // Too many arguments.
  const many = new Array<bigint>(17).fill(0n);
  assert.throws(() => table.callExtern(HOST, "my_extern", many), isKind("tooManyArgs"));
  attach(table, "m", line("stream_closed", "pre", (c) => void c.call("my_extern", many)));
  assert.throws(() => table.fns[Op.STREAM_CLOSED]!(HOST, 0), isKind("tooManyArgs"));
  // No implementation: write_frame for a type nobody writes.
  assert.throws(
    () => table.fns[Op.WRITE_FRAME]!(HOST, 0x50, 0n, null, 1, new Outputs()),
    isKind("noImplementation"),
  );
});

Deno.test("recursion into a running protoop is refused, directly or through another", () => {
  const table = new ProtoopTable();
  attach(table, "loop", line("stream_opened", "pre", (c) => void c.call("stream_opened", [1n])));
  assert.throws(() => table.fns[Op.STREAM_OPENED]!(HOST, 0), isKind("recursion"));
  const t2 = new ProtoopTable();
  attach(
    t2,
    "ping-pong",
    line("stream_opened", "post", (c) => void c.call("stream_closed", [1n])),
    line("stream_closed", "replace", (c) => void c.call("stream_opened", [2n])),
  );
  assert.throws(() => t2.fns[Op.STREAM_OPENED]!(HOST, 0), isKind("recursion"));
  // The running flags were cleared: a plain call works again.
  const t3 = new ProtoopTable();
  let n = 0;
  attach(
    t3,
    "once",
    line("stream_opened", "pre", (c) => {
      n++;
      if (n === 1) c.call("stream_opened", [1n]);
    }),
  );
  assert.throws(() => t3.fns[Op.STREAM_OPENED]!(HOST, 0), isKind("recursion"));
  t3.fns[Op.STREAM_OPENED]!(HOST, 0);
  assert.equal(n, 2);
});

Deno.test("a pluglet that throws is a pluginFault naming the plugin; TransportErrors pass", () => {
  const table = new ProtoopTable();
  attach(
    table,
    "buggy",
    line("stream_opened", "pre", () => {
      throw new Error("oops");
    }),
  );
  assert.throws(
    () => table.fns[Op.STREAM_OPENED]!(HOST, 0),
    (e) => {
      isKind("pluginFault")(e);
      const pe = e as ProtoopError;
      assert.equal(pe.plugin, "buggy");
      assert.equal((pe.cause as Error).message, "oops");
      const te = pe.toTransportError();
      assert.equal(te.code, 0x01);
      assert.match(te.message, /buggy/);
      return true;
    },
  );
  attach(
    table,
    "strict",
    line("stream_closed", "pre", () => {
      throw TransportError.protocolViolation("Cannot accept frame: plugin rule");
    }),
  );
  assert.throws(() => table.fns[Op.STREAM_CLOSED]!(HOST, 0), TransportError);
  attach(table, "sloppy", {
    op: "pop_log_context",
    anchor: "pre",
    pluglet: { run: () => 1 as unknown as bigint },
  });
  assert.throws(() => table.fns[Op.POP_LOG_CONTEXT]!(HOST), isKind("pluginFault"));
  attach(table, "liar", line("select_sending_path", "replace", () => 12345n));
  assert.throws(() => table.fns[Op.SELECT_SENDING_PATH]!(HOST, 0), isKind("badHandle"));
});

Deno.test("a pluglet runs a core protoop with u64 arguments through the same slot", () => {
  const log: string[] = [];
  const { table } = rttTable(log);
  const frame = { t: 1 };
  attach(
    table,
    "caller",
    line("packet_was_lost", "pre", (c) => {
      c.call("update_rtt", [2n, 40_000n, 0n, 9n]);
      assert.throws(() => c.call("update_rtt", [1n]), isKind("pluginFault"));
      assert.throws(() => c.call("process_frame", [c.args[0]!, 0n, 2n, 0n]), isKind("badParam"));
    }),
  );
  attach(table, "watcher", line("update_rtt", "post", (c) => log.push(`post ${c.args[1]}`)));
  table.fns[Op.PACKET_WAS_LOST]!(HOST, frame, null);
  assert.deepEqual(log, ["default 2 40000 0 9", "post 40000"]);
});

Deno.test("metadata slots are isolated per plugin and per object", () => {
  const table = new ProtoopTable();
  const path = {};
  const got: bigint[] = [];
  attach(
    table,
    "a",
    line("packet_was_lost", "pre", (c) => {
      c.setMetadata(0n, 0, 5n);
      c.setMetadata(c.args[1]!, 9, 6n);
      assert.throws(() => c.setMetadata(0n, 10, 1n), isKind("pluginFault"));
    }),
  );
  attach(
    table,
    "b",
    line("packet_was_lost", "post", (c) => {
      got.push(c.getMetadata(0n, 0), c.getMetadata(c.args[1]!, 9));
    }),
  );
  attach(
    table,
    "a2",
    line("stream_opened", "pre", (c) => {
      got.push(c.getMetadata(0n, 0));
    }),
  );
  table.fns[Op.PACKET_WAS_LOST]!(HOST, {}, path);
  table.fns[Op.STREAM_OPENED]!(HOST, 0);
  assert.deepEqual(got, [0n, 0n, 0n]);
  assert.equal(table.metadata.get(0, HOST, 0), 5n);
  assert.equal(table.metadata.get(0, path, 9), 6n);
  assert.equal(table.metadata.get(1, path, 9), 0n);
});
