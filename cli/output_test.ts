import assert from "node:assert/strict";
import { ProgressBar, progressLine } from "./progress.ts";
import { formatBytes, formatFrames, formatMs, formatRate } from "./summary.ts";
import { TicketStore } from "./tickets.ts";
import { describeClose, isCleanClose } from "./describe.ts";
import { QlogFile } from "./qlog.ts";
import { main } from "../cli.ts";
import type { SessionTicket } from "../transport/tls/session.ts";

Deno.test("formatMs() prints picoquicdemo's <ms>.<µs> ms", () => {
  assert.equal(formatMs(12345), "12.345 ms");
  assert.equal(formatMs(0), "0.000 ms");
});

Deno.test("formatRate() and formatBytes() pick units", () => {
  assert.equal(formatRate(125_000_000, 1_000_000), "1.00 Gbit/s");
  assert.equal(formatRate(1_250_000, 1_000_000), "10.0 Mbit/s");
  assert.equal(formatRate(10, 0), "n/a");
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(1_500_000), "1.50 MB");
});

Deno.test("formatFrames() lists frame names by count, largest first", () => {
  assert.equal(formatFrames({ ACK: 2, STREAM: 9, PING: 2 }), "STREAM 9, ACK 2, PING 2");
  assert.equal(formatFrames({}), "none");
});

Deno.test("progressLine() draws a bar when the total is known", () => {
  const l = progressLine(500, 1000, 1_000_000, 10);
  assert.ok(l.startsWith("[#####-----]  50%"), l);
  assert.doesNotMatch(progressLine(500, null, 1_000_000), /\[/);
});

Deno.test("ProgressBar waits before drawing and clears what it drew", () => {
  const chunks: string[] = [];
  const target = {
    writeSync: (p: Uint8Array) => (chunks.push(new TextDecoder().decode(p)), p.length),
  };
  const bar = new ProgressBar(target, 500, 100);
  bar.update(10, 100, 100_000);
  bar.clear();
  assert.equal(chunks.length, 0);
  bar.update(10, 100, 600_000);
  bar.update(20, 100, 650_000); // within the redraw interval
  assert.equal(chunks.length, 1);
  assert.ok(chunks[0]!.startsWith("\r\x1b[2K["), JSON.stringify(chunks[0]));
  bar.clear();
  assert.equal(chunks.at(-1), "\r\x1b[2K");
});

Deno.test("TicketStore keeps tickets and tokens across opens, and drops expired tickets", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/sub/tickets.json`;
  const ticket: SessionTicket = {
    serverName: "localhost",
    alpn: "h3",
    suite: 0x1301,
    ticket: new Uint8Array([1, 2, 3]),
    psk: new Uint8Array(32).fill(7),
    ticketAgeAdd: 99,
    lifetime: 3600,
    receivedAt: 1_000_000 * 1000,
    maxEarlyData: 0xffffffff,
    transportParameters: new Uint8Array([9]),
  };
  const a = TicketStore.open(path);
  a.setTicket("localhost:4443", ticket);
  a.setToken("localhost:4443", new Uint8Array([5, 6]));
  a.save();
  const b = TicketStore.open(path);
  const got = b.get("localhost:4443", 1_000_000 + 1000);
  assert.deepEqual(got.ticket, ticket);
  assert.deepEqual(got.token, new Uint8Array([5, 6]));
  assert.equal(b.get("localhost:4443", 1_000_000 + 3_600_001).ticket, undefined);
  assert.deepEqual(b.get("other:1", 0), {});
  Deno.writeTextFileSync(path, "not json");
  assert.deepEqual(TicketStore.open(path).get("localhost:4443", 0), {});
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("describeClose() names errors; isCleanClose() accepts only normal ends", () => {
  const t = {
    kind: "transportError",
    code: 0x0a,
    frameType: 0,
    reason: "bad",
    remote: true,
  } as const;
  assert.match(describeClose(t), /by the peer: PROTOCOL_VIOLATION \(0xa\) "bad"/);
  assert.equal(isCleanClose(t), false);
  assert.equal(
    isCleanClose({ kind: "applicationClosed", code: 0x100n, reason: "", remote: true }),
    true,
  );
  assert.equal(isCleanClose({ kind: "localClose", code: 0n, reason: "" }), true);
  assert.equal(isCleanClose({ kind: "timedOut" }), false);
});

Deno.test("QlogFile writes a JSON-SEQ header and events", () => {
  const dir = Deno.makeTempDirSync();
  const q = QlogFile.open(`${dir}/t.sqlog`, "client", 1000);
  q.event(3500, "quic:packet_sent", { header: { packet_number: 0 } }, "abcd");
  q.close();
  const records = Deno.readTextFileSync(`${dir}/t.sqlog`).split("\x1e").filter((r) => r !== "");
  assert.equal(records.length, 2);
  const header = JSON.parse(records[0]!);
  assert.equal(header.qlog_format, "JSON-SEQ");
  assert.equal(header.trace.vantage_point.type, "client");
  const ev = JSON.parse(records[1]!);
  assert.deepEqual([ev.time, ev.name, ev.group_id], [2.5, "quic:packet_sent", "abcd"]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("main() exits 2 on a usage error and 0 for --help and --version", async () => {
  assert.equal(await main(["--bogus"]), 2);
  assert.equal(await main(["-P", "fec.plugin"]), 2);
  assert.equal(await main(["--version"]), 0);
  assert.equal(await main(["--help"]), 0);
});
