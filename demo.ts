// deno-lint-ignore-file no-console
/**
 * `deno task demo`: a pquic server and client on this machine, over real UDP
 * on loopback, as a user would run them in two terminals:
 *
 * ```sh
 * pquic -p <port>                      # the server (certificates made on first run)
 * pquic -4 -G 2000000 127.0.0.1 <port> # the client: one GET of 2 MB, then a summary
 * ```
 *
 * Both run in this process; the server stops when the client is done. Extra
 * arguments go to the client (e.g. `deno task demo -G 50000000`, or `-v 6b3343cf`
 * for QUIC v2). `deno task demo:sim` runs the same exchange on the network
 * simulator instead.
 *
 * @module
 */

import { parseCommand } from "./cli/args.ts";
import { runClient } from "./cli/client.ts";
import { Log } from "./cli/log.ts";
import { runServer } from "./cli/server.ts";

const env = (name: string) => Deno.env.get(name);
const serverCommand = parseCommand(["-p", "0"], env);
if (serverCommand.mode !== "server") throw new Error("demo: cannot build the server command");
const stop = new AbortController();
const serverLog = Log.open("/dev/null");
let listening: (port: number) => void;
const port = new Promise<number>((resolve) => (listening = resolve));
const server = runServer({ ...serverCommand, host: "127.0.0.1" }, {
  log: serverLog,
  env,
  stop: stop.signal,
  onListening: (p) => listening(p),
});

const clientArgs = Deno.args.length > 0 ? Deno.args : ["-4", "-G", "2000000"];
const p = await port;
const clientCommand = parseCommand([...clientArgs, "127.0.0.1", String(p)], env);
if (clientCommand.mode !== "client") {
  console.error(
    `demo: ${clientCommand.mode === "error" ? clientCommand.message : "bad arguments"}`,
  );
  stop.abort();
  await server;
  Deno.exit(2);
}
console.log(`pquic demo: server on 127.0.0.1:${p} (UDP), client: pquic ${clientArgs.join(" ")}`);
const code = await runClient(clientCommand, {
  log: Log.open(null),
  env,
  progress: Deno.stdout.isTerminal() ? Deno.stdout : null,
});
stop.abort();
await server;
Deno.exit(code);
