/**
 * Helpers of the real-peer tests: finding the peers, skipping (or failing
 * under `CI=true`) when one is missing, free ports, and running `pquic` as a
 * subprocess.
 *
 * @module
 */

/** The checkout's root directory. */
export const ROOT: string = new URL("../../", import.meta.url).pathname;

/** The `cli.ts` entry point. */
export const CLI: string = `${ROOT}cli.ts`;

export { hasCommand, IN_CI } from "../../_tools/test_env.ts";
import { toolMissing } from "../../_tools/test_env.ts";

/**
 * Why a peer test cannot run, or null when it can. Under `CI=true` a
 * missing peer throws instead, so that the test fails.
 */
export function peerMissing(reason: string | null): string | null {
  return toolMissing(reason);
}

/** A UDP port free at the time of the call. */
export function freeUdpPort(hostname = "::"): number {
  const s = Deno.listenDatagram({ transport: "udp", hostname, port: 0 });
  const port = (s.addr as Deno.NetAddr).port;
  s.close();
  return port;
}

/** A TCP port free at the time of the call. */
export function freeTcpPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A running process whose output is collected as text. */
export class Proc {
  readonly child: Deno.ChildProcess;
  stdout = "";
  stderr = "";
  readonly done: Promise<Deno.CommandStatus>;
  readonly #reads: Promise<void>[];

  constructor(
    cmd: string,
    args: string[],
    options: { cwd?: string; env?: Record<string, string> } = {},
  ) {
    this.child = new Deno.Command(cmd, {
      args,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: options.env } : {}),
    }).spawn();
    this.#reads = [
      collect(this.child.stdout, (t) => this.stdout += t),
      collect(this.child.stderr, (t) => this.stderr += t),
    ];
    this.done = this.child.status.then(async (s) => {
      await Promise.all(this.#reads);
      return s;
    });
  }

  /** Resolves when stdout or stderr contains `text`; rejects after `timeoutMs`. */
  async waitFor(text: string | RegExp, timeoutMs = 15_000): Promise<void> {
    const t0 = Date.now();
    const has = () =>
      typeof text === "string"
        ? this.stdout.includes(text) || this.stderr.includes(text)
        : text.test(this.stdout) || text.test(this.stderr);
    let exited = false;
    this.done.then(() => exited = true);
    while (!has()) {
      if (exited) {
        throw new Error(`process exited before "${text}":\n${this.stdout}\n${this.stderr}`);
      }
      if (Date.now() - t0 > timeoutMs) {
        throw new Error(`timed out waiting for "${text}":\n${this.stdout}\n${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends SIGTERM (if still running) and waits for the end. */
  async stop(): Promise<Deno.CommandStatus> {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    return await this.done;
  }
}

async function collect(stream: ReadableStream<Uint8Array>, add: (t: string) => void) {
  const dec = new TextDecoder();
  for await (const chunk of stream) add(dec.decode(chunk, { stream: true }));
}

/** Starts `pquic` (deno run cli.ts) with `args`. */
export function pquic(args: string[], env: Record<string, string> = {}, cwd?: string): Proc {
  return new Proc(Deno.execPath(), ["run", "-A", CLI, ...args], {
    env: { NO_COLOR: "1", ...env },
    ...(cwd ? { cwd } : {}),
  });
}

/** A temporary cache directory, so tests do not touch the user's. */
export function tempCache(): { dir: string; env: Record<string, string> } {
  const dir = Deno.makeTempDirSync({ prefix: "pquic-test-" });
  return { dir, env: { PQUIC_CACHE_DIR: dir } };
}
