/**
 * Plugins in the `pquic` command over real UDP on loopback, with client and
 * server spawned as a user would (`deno run -A cli.ts …`, ephemeral ports):
 * `-P` by name, by path in a checkout and by a path that is not on disk;
 * `-S`; each built-in's effect seen from outside (summary, qlog); a bad
 * plugin refused with exit 2; a hostile plugin contained to its connection.
 */

import assert from "node:assert/strict";
import { clangMissing } from "../_tools/test_env.ts";
import { largestBurst } from "../plugins/_sim_testing.ts";
import { freeUdpPort, pquic, type Proc, ROOT, tempCache } from "./peers/_util.ts";
import { qlogEvents, withRelay } from "./_relay.ts";

type Cache = { dir: string; env: Record<string, string> };

/**
 * Runs a server with `args` on a free port, then `body`; stops it and returns its output.
 * The server sends Ethernet-sized packets (`-m 1452`), which the expectations below (bursts,
 * frame counts, windows, a transfer still running) are written for: towards loopback the
 * command would otherwise probe up to 64 KB.
 */
async function withServer(
  cache: Cache,
  args: string[],
  body: (port: number) => Promise<void>,
): Promise<string> {
  const port = freeUdpPort();
  const server = pquic(["-p", String(port), "-m", "1452", ...args], cache.env);
  try {
    await server.waitFor(`Starting pquic server on port ${port}`);
    await body(port);
  } finally {
    const s = await server.stop();
    assert.equal(s.code, 0, server.stdout + server.stderr);
  }
  return server.stdout;
}

/** Runs a client to completion. */
async function client(cache: Cache, args: string[], cwd?: string): Promise<Proc> {
  const c = pquic(args, cache.env, cwd);
  await c.done;
  return c;
}

function num(text: string, re: RegExp): number {
  const m = re.exec(text);
  assert.ok(m !== null, `${re} not in:\n${text}`);
  return Number(m[1]);
}

/** The `quic:packet_sent` times and `congestion_window` values of a qlog file. */
function readQlog(path: string): { sentTimes: number[]; cwnds: (number | null)[] } {
  const events = qlogEvents(path);
  return {
    sentTimes: events.filter((e) => e.name === "quic:packet_sent").map((e) => e.time),
    cwnds: events.filter((e) =>
      e.name === "recovery:metrics_updated" && "congestion_window" in e.data
    ).map((e) => e.data.congestion_window),
  };
}

/** The frames of `frameType` in the `quic:packet_sent` events of a qlog file, in order. */
function sentFrames(path: string, frameType: string): Record<string, unknown>[] {
  return qlogEvents(path, "quic:packet_sent").flatMap((e) =>
    (e.data.frames as Record<string, unknown>[]).filter((f) => f.frame_type === frameType)
  );
}

Deno.test("pquic -P refuses a plugin it cannot load with the loader's reason and exit 2", async () => {
  const cache = tempCache();
  try {
    const cases: [string, RegExp][] = [
      ["nonesuch", /-P nonesuch: no built-in plugin of that name \(built-ins: .*monitoring/],
      [
        `${ROOT}plugins/testdata/hostile/malformed.plugin`,
        /malformed\.plugin: .*postt/,
      ],
      [
        `${ROOT}plugins/testdata/hostile/missing_object.plugin`,
        /absent\.o: object file cannot be read/,
      ],
    ];
    for (const [arg, reason] of cases) {
      const p = await client(cache, ["-P", arg, "-G", "10", "127.0.0.1", "9"]);
      const status = await p.done;
      assert.equal(status.code, 2, p.stdout + p.stderr);
      assert.match(p.stderr, reason);
      assert.match(p.stderr, /Try pquic --help\./);
    }
  } finally {
    await Deno.remove(cache.dir, { recursive: true });
  }
});

Deno.test("pquic -P monitoring on both sides: its counts match the summary; -S lists pluglets", async () => {
  const cache = tempCache();
  const elsewhere = Deno.makeTempDirSync({ prefix: "pquic-elsewhere-" });
  try {
    let out = "";
    const serverOut = await withServer(cache, [
      "-P",
      `${ROOT}plugins/monitoring/monitoring.plugin`, // read from the checkout
      "-S",
      `${cache.dir}/server-stats.txt`,
    ], async (port) => {
      // Not on disk from `elsewhere`: the embedded built-in of that name.
      const c = await client(cache, [
        "-G",
        "300000",
        "-P",
        "plugins/monitoring/monitoring.plugin",
        "-S",
        `${cache.dir}/client-stats.txt`,
        "127.0.0.1",
        String(port),
      ], elsewhere);
      assert.equal((await c.done).code, 0, c.stdout + c.stderr);
      out = c.stdout;
    });
    assert.match(
      out,
      /Local plugin plugins\/monitoring\/monitoring\.plugin \(be\.mpiraux\.monitoring\)/,
    );
    assert.match(out, /^ {2}plugins {9}be\.mpiraux\.monitoring$/m);
    // The client's summary and the plugin's own counters, read after the close.
    const sent = num(out, /packets +sent (\d+),/);
    const received = num(out, /packets +sent \d+, received (\d+)/);
    const lost = num(out, /packets +sent \d+, received \d+, lost (\d+)/);
    const bytesReceived = num(out, /bytes on wire +sent \d+, received (\d+)/);
    const monReceived = num(out, /monitoring +packets received (\d+)/);
    const monBytes = num(out, /monitoring +packets received \d+ \((\d+) bytes\)/);
    const monSent = num(out, /monitoring +packets received .*, sent (\d+)/);
    const monLost = num(out, /monitoring +packets received .*, lost (\d+)/);
    assert.ok(received > 200, out);
    assert.equal(monReceived, received);
    assert.equal(monBytes, bytesReceived);
    assert.equal(monLost, lost);
    // Close packets are not recorded as sent, so the plugin does not see them (the bound also
    // allows for PINGs).
    const closes = num(out, /frames sent .*CONNECTION_CLOSE\w* (\d+)/);
    const pings = /frames sent .*PING (\d+)/.test(out) ? num(out, /frames sent .*PING (\d+)/) : 0;
    assert.ok(monSent <= sent && monSent >= sent - closes - pings, `${monSent} of ${sent}`);
    // The plugin's log line (PROTOOP_PRINTF) when the connection started closing.
    assert.match(out, /^plugin be\.mpiraux\.monitoring: monitoring: \d+ packets received/m);

    // The server: the same counters against its "Closed." line.
    assert.match(
      serverOut,
      /1 local plugins and 0 both plugins\n\tlocal plugin .*monitoring\.plugin/,
    );
    const sReceived = num(serverOut, /Closed\. .*received (\d+),/);
    const sLost = num(serverOut, /Closed\. Retrans= (\d+)/);
    assert.equal(num(serverOut, /monitoring +packets received (\d+)/), sReceived);
    assert.equal(num(serverOut, /monitoring +packets received .*, lost (\d+)/), sLost);

    // -S: one line per pluglet that ran; header_parsed ran once per packet received.
    const stats = Deno.readTextFileSync(`${cache.dir}/client-stats.txt`);
    assert.match(stats, /^Plugin statistics:\nplugin be\.mpiraux\.monitoring: heap high-water/);
    assert.equal(num(stats, /header_parsed post \(packet_received\.o\): (\d+) calls/), received);
    assert.match(stats, /segment_prepared post \(packet_sent\.o\): \d+ calls/);
    assert.match(stats, /\(\d+ pluglets? never called\)/);
    const serverStats = Deno.readTextFileSync(`${cache.dir}/server-stats.txt`);
    assert.match(serverStats, /^\[127\.0\.0\.1\]:\d+: plugin statistics:$/m);
    assert.equal(
      num(serverStats, /header_parsed post \(packet_received\.o\): (\d+) calls/),
      sReceived,
    );
    assert.match(serverStats, / 0 faults/);
  } finally {
    await Deno.remove(cache.dir, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});

Deno.test("pquic -P no_pacing / disable_congestion_control on the server: bursts, unlimited window", async () => {
  const cache = tempCache();
  try {
    const runs: Record<string, { sentTimes: number[]; cwnds: (number | null)[] }> = {};
    for (const plugin of ["", "no_pacing", "disable_congestion_control"]) {
      const qlog = `${cache.dir}/server-${plugin || "none"}.qlog`;
      await withServer(
        cache,
        [...(plugin === "" ? [] : ["-P", plugin]), "-q", qlog],
        async (port) => {
          const c = await client(cache, ["-G", "1000000", "127.0.0.1", String(port)]);
          assert.equal((await c.done).code, 0, c.stdout + c.stderr);
        },
      );
      runs[plugin || "none"] = readQlog(qlog);
    }
    const none = runs["none"]!;
    const noPacing = runs["no_pacing"]!;
    const noCc = runs["disable_congestion_control"]!;
    // Paced, the sender spreads a window over the RTT; unpaced, it sends it at once.
    const paced = largestBurst(none.sentTimes);
    const unpaced = largestBurst(noPacing.sentTimes);
    assert.ok(unpaced > 2 * paced, `longest burst ${unpaced} unpaced vs ${paced} paced`);
    // The controller's window is finite; pinned to unlimited (null in JSON) once an ACK arrived.
    assert.ok(none.cwnds.length > 0 && none.cwnds.every((w) => typeof w === "number"));
    assert.ok(noCc.cwnds.length > 0);
    assert.equal(noCc.cwnds.at(-1), null, JSON.stringify(noCc.cwnds));
    assert.ok(noCc.cwnds.filter((w) => w === null).length >= 1);
  } finally {
    await Deno.remove(cache.dir, { recursive: true });
  }
});

Deno.test({
  name: "pquic -P hostile plugin on the server: its connection closes, another client is served",
  ignore: clangMissing() !== null,
  fn: async () => {
    const cache = tempCache();
    try {
      // Built from its C source so that no object file has to be kept in step with it.
      const dir = `${ROOT}tests/testdata/late_fault`;
      Deno.copyFileSync(`${dir}/late_fault.plugin`, `${cache.dir}/late_fault.plugin`);
      const cc = await new Deno.Command("clang-14", {
        args: [
          "-O2",
          "-target",
          "bpf",
          "-mcpu=v3",
          "-I",
          `${ROOT}plugins/include`,
          "-c",
          `${dir}/late_fault.c`,
          "-o",
          `${cache.dir}/late_fault.o`,
        ],
      }).output();
      assert.equal(cc.code, 0, new TextDecoder().decode(cc.stderr));

      let faulted = "";
      let served = "";
      const serverOut = await withServer(cache, [
        "-P",
        `${cache.dir}/late_fault.plugin`,
        "-S",
        "-",
        "-q",
        `${cache.dir}/server.qlog`,
      ], async (port) => {
        const big = pquic(["-G", "3000000", "127.0.0.1", String(port)], cache.env);
        await big.waitFor("Connection established");
        const small = await client(cache, ["-G", "20000", "127.0.0.1", String(port)]);
        const [bigStatus, smallStatus] = await Promise.all([big.done, small.done]);
        faulted = big.stdout;
        served = small.stdout;
        assert.equal(bigStatus.code, 1, big.stdout + big.stderr);
        assert.equal(smallStatus.code, 0, small.stdout + small.stderr);
      });
      assert.match(
        faulted,
        /Connection closed by the peer: INTERNAL_ERROR \(0x1\) ".*plugin "be\.test\.late_fault" faulted in segment_prepared post \(late_fault\.o\)/,
      );
      assert.match(served, /^20000 bytes received$/m);
      assert.match(serverOut, /Connection closed by us: INTERNAL_ERROR \(0x1\)/);
      assert.match(serverOut, /plugins +be\.test\.late_fault \(faulted\)/);
      assert.match(serverOut, /segment_prepared post \(late_fault\.o\): 200 calls, .* 1 faults/);
      assert.match(serverOut, /hq GET \/20000 -> 20000 bytes/);
      // The fault is in the server's qlog too, in the faulted connection's group.
      const faults = qlogEvents(`${cache.dir}/server.qlog`, "plugin:fault");
      assert.equal(faults.length, 1);
      assert.equal(faults[0]!.data.plugin, "be.test.late_fault");
      assert.match(faults[0]!.data.message, /faulted in segment_prepared post/);
    } finally {
      await Deno.remove(cache.dir, { recursive: true });
    }
  },
});

Deno.test("pquic -P datagram: max_datagram_frame_size is negotiated only when both load it", async () => {
  const cache = tempCache();
  try {
    let both = "";
    let serverOnly = "";
    const serverOut = await withServer(cache, ["-P", "datagram"], async (port) => {
      const c1 = await client(cache, ["-G", "50000", "-P", "datagram", "127.0.0.1", String(port)]);
      assert.equal((await c1.done).code, 0, c1.stdout + c1.stderr);
      both = c1.stdout;
      const c2 = await client(cache, ["-G", "50000", "127.0.0.1", String(port)]);
      assert.equal((await c2.done).code, 0, c2.stdout + c2.stderr);
      serverOnly = c2.stdout;
    });
    // The client with the plugin saw the server's transport parameter, and the reverse.
    const peerMax = num(both, /datagrams +sent 0, .*the peer takes frames up to (\d+) bytes/);
    assert.ok(peerMax >= 1200, both);
    assert.doesNotMatch(serverOnly, /datagrams +sent/);
    const lines = serverOut.split("\n").filter((l) => /: +datagrams +sent/.test(l));
    assert.equal(lines.length, 2, serverOut);
    assert.match(lines[0]!, /the peer takes frames up to \d+ bytes$/);
    assert.match(lines[1]!, /the peer takes none \(no max_datagram_frame_size\)$/);
  } finally {
    await Deno.remove(cache.dir, { recursive: true });
  }
});

Deno.test("pquic -P westwood / cubic on the server, through pquic relay at 3% loss", async () => {
  const cache = tempCache();
  try {
    const events: Record<string, Record<string, number>[]> = {};
    for (const plugin of ["westwood", "cubic"]) {
      const qlog = `${cache.dir}/${plugin}.qlog`;
      await withServer(cache, ["-P", plugin, "-q", qlog], async (port) => {
        await withRelay(cache.env, port, ["--loss", "3%", "--seed", "21"], async (relayPort) => {
          const c = await client(cache, ["-G", "1000000", "127.0.0.1", String(relayPort)]);
          assert.equal((await c.done).code, 0, c.stdout + c.stderr);
        });
      });
      events[plugin] = qlogEvents(qlog, `${plugin}:congestion`).map((e) => e.data);
    }
    // Westwood+: on loss, ssthresh becomes the bandwidth estimate × RTTmin (half the window
    // before the first estimate), never above the window, at least 2 MSS (1,200-1,500 B each);
    // the window follows (2 MSS after persistent congestion).
    const ww = events["westwood"]!;
    assert.ok(ww.length > 0, "no westwood:congestion event");
    assert.ok(ww.some((e) => e.bwe! > 0 && e.cwnd! < e.cwnd_before!), JSON.stringify(ww));
    for (const e of ww) {
      const raw = e.bwe === 0 || e.rtt_min === 0
        ? Math.floor(e.cwnd_before! / 2)
        : Math.floor((e.bwe! * e.rtt_min!) / 1e6);
      const target = Math.min(raw, e.cwnd_before!);
      const floored = e.ssthresh! >= 2400 && e.ssthresh! <= 3000 && target <= e.ssthresh!;
      assert.ok(e.ssthresh === target || floored, JSON.stringify(e));
      assert.ok(e.cwnd === e.ssthresh || e.cwnd! <= 3000, JSON.stringify(e));
    }
    // CUBIC: on loss, ssthresh = 0.7 × the window (RFC 9438 §4.6: β = 0.7, not NewReno's
    // halving), at least 2 MSS; the window follows (2 MSS after persistent congestion).
    const cubic = events["cubic"]!;
    assert.ok(cubic.length > 0, "no cubic:congestion event");
    for (const e of cubic) {
      const target = Math.floor((e.cwnd_before! * 7) / 10);
      const floored = e.ssthresh! >= 2400 && e.ssthresh! <= 3000 && target <= e.ssthresh!;
      assert.ok(Math.abs(e.ssthresh! - target) <= 1 || floored, JSON.stringify(e));
      assert.ok(Math.abs(e.cwnd! - e.ssthresh!) <= 1 || e.cwnd! <= 3000, JSON.stringify(e));
    }
    assert.ok(cubic.some((e) => e.cwnd! > 3000), JSON.stringify(cubic));
  } finally {
    await Deno.remove(cache.dir, { recursive: true });
  }
});

Deno.test("pquic -P ack_delay on the client: fewer ACKs for the same download", async () => {
  const cache = tempCache();
  try {
    const outs: string[] = [];
    await withServer(cache, [], async (port) => {
      // 5 ms each way at 20 Mbit/s: packets arrive one by one, each ACK decision on its own.
      await withRelay(cache.env, port, ["--delay", "5", "--rate", "20"], async (relayPort) => {
        for (const plugin of [[], ["-P", "ack_delay", "-S", "-"]]) {
          const c = await client(cache, [
            "-G",
            "500000",
            // A real path's 1,452 bytes for both runs (loopback would carry ~64 KB datagrams).
            "-m",
            "1452",
            ...plugin,
            "-q",
            `${cache.dir}/client${outs.length}.qlog`,
            "127.0.0.1",
            String(relayPort),
          ]);
          assert.equal((await c.done).code, 0, c.stdout + c.stderr);
          outs.push(c.stdout);
        }
      });
    });
    const [plain, plug] = outs as [string, string];
    assert.match(plug, /^500000 bytes received$/m);
    assert.match(plug, /plugins +be\.mpiraux\.ack_delay$/m);
    const calls = num(plug, /update_rtt post \(update_ack_delay\.o\): (\d+) calls, .* 0 faults/);
    assert.ok(calls > 0, plug);
    const ackFrames = (out: string) => num(out, /frames sent .*ACK (\d+)/);
    // An ACK for every 8 ack-eliciting packets (within min_rtt / 4) instead of every 2.
    assert.ok(
      ackFrames(plug) < 0.75 * ackFrames(plain),
      `${ackFrames(plug)} ACKs with the plugin, ${ackFrames(plain)} without`,
    );
    // The client's qlog has every ACK it sent, with its ACK Delay (ms).
    const acks = sentFrames(`${cache.dir}/client1.qlog`, "ack");
    assert.ok(acks.length > 10, `${acks.length} ACKs`);
    assert.ok(acks.every((f) => typeof f.ack_delay === "number" && f.ack_delay >= 0));
  } finally {
    await Deno.remove(cache.dir, { recursive: true });
  }
});

Deno.test({
  name: "pquic -P stream_scheduling_rr on the server: STREAM frames take the streams in turn",
  fn: async () => {
    const cache = tempCache();
    try {
      const qlog = `${cache.dir}/server.qlog`;
      let out = "";
      const serverOut = await withServer(cache, [
        "-P",
        "stream_scheduling_rr",
        "-q",
        qlog,
        "-S",
        "-",
      ], async (port) => {
        // Three requests at once, on streams 0, 4 and 8.
        const c = await client(cache, [
          "-a",
          "hq",
          "-D",
          "127.0.0.1",
          String(port),
          "*3:0:-:/200000",
        ]);
        assert.equal((await c.done).code, 0, c.stdout + c.stderr);
        out = c.stdout;
      });
      assert.equal(out.match(/-> 200000 bytes in/g)?.length, 3, out);
      // The plugin chose the stream of every packet with stream data.
      const calls = num(
        serverOut,
        /schedule_next_stream replace \(schedule_next_stream\.o\): (\d+) calls, .* 0 faults/,
      );
      const ids = sentFrames(qlog, "stream").map((f) => f.stream_id as number);
      // While all three have data, one frame each in increasing id order, round after round.
      assert.ok(ids.length > 30, `${ids.length} STREAM frames`);
      assert.ok(calls >= ids.length, `${calls} calls for ${ids.length} STREAM frames`);
      assert.deepEqual(ids.slice(0, 30), Array.from({ length: 30 }, (_, i) => [0, 4, 8][i % 3]));
    } finally {
      await Deno.remove(cache.dir, { recursive: true });
    }
  },
});
