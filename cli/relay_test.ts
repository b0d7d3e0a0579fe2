/**
 * `pquic relay`: argument parsing, the impairment model it builds on the
 * simulator's link, and the relay over real loopback UDP against an echo
 * socket (drops replayed from the seed, delay, rate).
 */

import assert from "node:assert/strict";
import { Link } from "../io/sim/link.ts";
import { SeededRandom } from "../transport/random.ts";
import { relayCommand, relayStatsLines } from "./relay.ts";
import { directionSeed, UdpRelay } from "./udp_relay.ts";
import { parseRelayArgs, relayLinkConfig, type RelayOptions } from "./relay_args.ts";

function options(extra: Partial<RelayOptions> & Pick<RelayOptions, "to">): RelayOptions {
  return {
    listen: { hostname: "127.0.0.1", port: 0 },
    loss: 0,
    burst: 0,
    delayMs: 0,
    rateMbps: 0,
    queue: null,
    seed: 1,
    verbose: false,
    ...extra,
  };
}

/** A UDP socket on 127.0.0.1 that sends every datagram back. */
function echoServer(): { port: number; close: () => Promise<void> } {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const loop = (async () => {
    for (;;) {
      try {
        const [d, from] = await socket.receive();
        await socket.send(d, from);
      } catch {
        return;
      }
    }
  })();
  return {
    port: (socket.addr as Deno.NetAddr).port,
    close: async () => {
      socket.close();
      await loop;
    },
  };
}

/** Drops a fresh link with the relay's config and direction seed makes over `n` datagrams. */
function replayDrops(o: RelayOptions, seed: number, n: number, size: number): number {
  const link = new Link(relayLinkConfig(o), new SeededRandom(seed));
  const d = new Uint8Array(size);
  let dropped = 0;
  for (let i = 0; i < n; i++) if (link.admit(d, 0).dropped) dropped++;
  return dropped;
}

Deno.test("parseRelayArgs() reads addresses, loss, burst, delay, rate, queue and seed", () => {
  const o = parseRelayArgs([
    "--listen",
    "[::1]:5000",
    "--to",
    "example.org:4443",
    "--loss",
    "0.05",
    "--burst",
    "3",
    "--delay",
    "12.5",
    "--rate",
    "20",
    "--queue",
    "64",
    "--seed",
    "99",
    "-v",
  ]);
  assert.ok(typeof o === "object");
  assert.deepEqual(o.listen, { hostname: "::1", port: 5000 });
  assert.deepEqual(o.to, { hostname: "example.org", port: 4443 });
  assert.equal(o.loss, 0.05);
  assert.equal(o.burst, 3);
  assert.equal(o.delayMs, 12.5);
  assert.equal(o.rateMbps, 20);
  assert.equal(o.queue, 64);
  assert.equal(o.seed, 99);
  assert.equal(o.verbose, true);
});

Deno.test("parseRelayArgs() defaults: listen on ::, forward to 127.0.0.1, no impairment", () => {
  const o = parseRelayArgs(["--listen", "5000", "--to", "4443"]);
  assert.ok(typeof o === "object");
  assert.deepEqual(o.listen, { hostname: "::", port: 5000 });
  assert.deepEqual(o.to, { hostname: "127.0.0.1", port: 4443 });
  assert.equal(o.loss + o.burst + o.delayMs + o.rateMbps, 0);
  assert.equal(o.seed, null);
  assert.deepEqual(relayLinkConfig(o), {});
});

Deno.test("parseRelayArgs() refuses what it cannot honour, saying which option", () => {
  const cases: [string[], RegExp][] = [
    [["--listen", "5000"], /--listen P and --to Q/],
    [["--listen", "5000", "--to", "0"], /--to 0/],
    [["--listen", "x", "--to", "1"], /--listen x/],
    [["--listen", "1", "--to", "1", "--loss", "3"], /--loss 3: give a fraction/],
    [["--listen", "1", "--to", "1", "--loss", "100%"], /--loss 100%/],
    [["--listen", "1", "--to", "1", "--burst", "4"], /--burst needs --loss/],
    [["--listen", "1", "--to", "1", "--loss", "1%", "--burst", "0.5"], /--burst 0.5/],
    [["--listen", "1", "--to", "1", "--rate", "0"], /--rate 0/],
    [["--listen", "1", "--to", "1", "--queue", "5"], /--queue needs --rate/],
    [["--listen", "1", "--to", "1", "--delay=-1"], /--delay -1/],
    [["--listen", "1", "--to", "1", "--seed", "abc"], /--seed abc/],
    [["--listen", "1", "--to", "1", "--frobnicate"], /frobnicate/],
  ];
  for (const [args, message] of cases) {
    const r = parseRelayArgs(args);
    assert.equal(typeof r, "string", args.join(" "));
    assert.match(r as string, message);
  }
  assert.equal(parseRelayArgs(["--help"]), "help");
});

Deno.test("relayLinkConfig() bursts keep the asked loss rate and mean burst length", () => {
  const o = { loss: 0.05, burst: 4, delayMs: 0, rateMbps: 0, queue: null };
  const link = new Link(relayLinkConfig(o), new SeededRandom(3));
  const d = new Uint8Array(100);
  const n = 400_000;
  let lost = 0;
  let bursts = 0;
  let previous = false;
  for (let i = 0; i < n; i++) {
    const dropped = link.admit(d, 0).dropped;
    if (dropped) {
      lost++;
      if (!previous) bursts++;
    }
    previous = dropped;
  }
  assert.ok(Math.abs(lost / n - 0.05) < 0.005, `loss rate ${lost / n}`);
  assert.ok(Math.abs(lost / bursts - 4) < 0.3, `mean burst ${lost / bursts}`);
  assert.equal(link.stats.dropped.burst, lost);
  assert.equal(link.stats.dropped.loss, 0);
});

Deno.test("UdpRelay drops exactly what its seed says, each direction", async () => {
  const echo = echoServer();
  const o = options({ to: { hostname: "127.0.0.1", port: echo.port }, loss: 0.1, seed: 1234 });
  const relay = await UdpRelay.start(o);
  const client = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to: Deno.NetAddr = { transport: "udp", ...relay.local };
  let received = 0;
  const receiving = (async () => {
    for (;;) {
      try {
        await client.receive();
        received++;
      } catch {
        return;
      }
    }
  })();
  const n = 600;
  // In batches of 50, each sent once the relay and the client have seen all of the last
  // one: the socket buffers stay far from full, so loopback adds no loss of its own.
  const settled = () => {
    const s = relay.stats();
    return s.toClient.received === s.toServer.forwarded && received === s.toClient.forwarded;
  };
  const deadline = Date.now() + 15_000;
  for (let i = 0; i < n; i++) {
    const d = new Uint8Array(200);
    d[0] = i & 0xff;
    await client.send(d, to);
    if (i % 50 === 49) {
      while (!(relay.stats().toServer.received === i + 1 && settled())) {
        if (Date.now() > deadline) {
          throw new Error(`stuck after ${i + 1}: ${JSON.stringify(relay.stats())}`);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }
  const s = relay.stats();
  await relay.close();
  client.close();
  await receiving;
  await echo.close();

  assert.equal(relay.seed, 1234);
  assert.equal(s.clients, 1);
  assert.equal(s.toServer.received, n);
  assert.equal(s.toClient.received, s.toServer.forwarded);
  assert.equal(received, s.toClient.forwarded);
  assert.equal(s.toServer.dropped, replayDrops(o, directionSeed(1234, "toServer"), n, 200));
  assert.equal(
    s.toClient.dropped,
    replayDrops(o, directionSeed(1234, "toClient"), s.toClient.received, 200),
  );
  assert.ok(s.toServer.dropped > 30 && s.toServer.dropped < 100, `${s.toServer.dropped}`);
  assert.equal(s.toServer.droppedBy.loss, s.toServer.dropped);
  assert.equal(s.toServer.forwarded + s.toServer.dropped, n);
});

Deno.test("UdpRelay adds --delay each way", async () => {
  const echo = echoServer();
  const relay = await UdpRelay.start(
    options({ to: { hostname: "127.0.0.1", port: echo.port }, delayMs: 40 }),
  );
  const client = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    const t0 = performance.now();
    await client.send(new Uint8Array([7]), { transport: "udp", ...relay.local });
    const [back] = await client.receive();
    const rtt = performance.now() - t0;
    assert.deepEqual([...back], [7]);
    assert.ok(rtt >= 79, `round trip ${rtt} ms`);
    assert.ok(rtt < 1000, `round trip ${rtt} ms`);
  } finally {
    client.close();
    await relay.close();
    await echo.close();
  }
});

Deno.test("UdpRelay holds each direction to --rate", async () => {
  const echo = echoServer();
  // 1 Mbit/s: a 1250-byte datagram takes 10 ms to serialise.
  const relay = await UdpRelay.start(
    options({ to: { hostname: "127.0.0.1", port: echo.port }, rateMbps: 1 }),
  );
  const client = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) {
      await client.send(new Uint8Array(1250), { transport: "udp", ...relay.local });
    }
    for (let i = 0; i < 20; i++) await client.receive();
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= 190, `20 datagrams at 1 Mbit/s took ${elapsed} ms`);
    assert.equal(relay.stats().toClient.forwarded, 20);
  } finally {
    client.close();
    await relay.close();
    await echo.close();
  }
});

Deno.test("relayCommand() prints where it listens and its counters when stopped", async () => {
  const echo = echoServer();
  const out: string[] = [];
  const err: string[] = [];
  const stop = new AbortController();
  const code = await relayCommand(
    ["--listen", "127.0.0.1:0", "--to", `127.0.0.1:${echo.port}`, "--loss", "2%", "--seed", "5"],
    {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      stop: stop.signal,
      onListening: async (relay) => {
        const c = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
        await c.send(new Uint8Array(10), { transport: "udp", ...relay.local });
        await c.receive();
        c.close();
        stop.abort();
      },
    },
  );
  await echo.close();
  assert.equal(code, 0, err.join("\n"));
  assert.match(out[0]!, /^Relay listening on \[127\.0\.0\.1\]:\d+, forwarding to /);
  assert.match(out[0]!, /loss 2% each way, seed 5$/);
  assert.ok(out.includes("client->server: received 1, forwarded 1 (10 B), dropped 0"), out.join());
  assert.ok(out.includes("server->client: received 1, forwarded 1 (10 B), dropped 0"), out.join());
});

Deno.test("relayCommand() exits 2 with the usage on a bad argument", async () => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await relayCommand(["--listen", "1"], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  assert.equal(code, 2);
  assert.match(err[0]!, /^pquic relay: relay needs --listen P and --to Q/);
  assert.match(err.join("\n"), /--burst N/);
  assert.equal(out.length, 0);
});

Deno.test("relayStatsLines() lists drop reasons that happened", () => {
  const zero = { loss: 0, burst: 0, mask: 0, queue: 0, mtu: 0, blackhole: 0 };
  const lines = relayStatsLines({
    toServer: {
      received: 10,
      forwarded: 7,
      bytes: 7000,
      dropped: 3,
      droppedBy: { ...zero, loss: 1, queue: 2 },
      sendErrors: 0,
    },
    toClient: { received: 0, forwarded: 0, bytes: 0, dropped: 0, droppedBy: zero, sendErrors: 1 },
    clients: 1,
  });
  assert.equal(
    lines[0],
    "client->server: received 10, forwarded 7 (7.00 kB), dropped 3 (loss 1, queue 2)",
  );
  assert.equal(lines[1], "server->client: received 0, forwarded 0 (0 B), dropped 0, send errors 1");
});

Deno.test("relayCommand() -v prints the counters every second while they change", async () => {
  const echo = echoServer();
  const out: string[] = [];
  const stop = new AbortController();
  const code = await relayCommand(
    ["--listen", "127.0.0.1:0", "--to", `127.0.0.1:${echo.port}`, "-v"],
    {
      out: (l) => out.push(l),
      err: () => {},
      stop: stop.signal,
      onListening: async (relay) => {
        const c = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
        await c.send(new Uint8Array(3), { transport: "udp", ...relay.local });
        await c.receive();
        c.close();
        await new Promise((r) => setTimeout(r, 2300));
        stop.abort();
      },
    },
  );
  await echo.close();
  assert.equal(code, 0);
  const stopped = out.findIndex((l) => l.startsWith("Relay stopped"));
  const before = out.slice(1, stopped);
  // One report after the first second; none after the second (nothing changed).
  assert.deepEqual(before, [
    "client->server: received 1, forwarded 1 (3 B), dropped 0",
    "server->client: received 1, forwarded 1 (3 B), dropped 0",
  ]);
  assert.match(out[0]!, /no impairment each way, seed \d+$/);
});
