/**
 * CPU time of other processes, for the benchmark scripts (Linux only: read
 * from `/proc`; NaN elsewhere): a whole process's so far
 * ({@link processCpuMs}), and a running process's split by thread
 * ({@link ThreadCpuSampler}): its main thread (where a Deno program's
 * JavaScript and WebAssembly run) against all its other threads (V8's
 * concurrent compilers and GC helpers, Tokio's).
 *
 * A thread's counters vanish with the process, so the sampler reads them
 * every `intervalMs` while the process runs and keeps the last reading of
 * each thread; what a process spends after its last reading (at most one
 * interval) is not counted.
 *
 * @module
 */

/** Linux's USER_HZ (clock ticks per second in /proc): 100 on every common platform. */
const CLOCK_TICKS = 100;

/** CPU time of one process's threads, ms. */
export interface ThreadCpu {
  /** The main thread (tid = pid). */
  main: number;
  /** Every other thread, summed. */
  others: number;
}

/**
 * The user + system CPU time in a `/proc/…/stat` line, ms; NaN when the
 * line does not have the fields.
 *
 * @example
 * ```ts
 * import { statCpuMs } from "./_proc_cpu.ts";
 * import assert from "node:assert/strict";
 * // utime 150 and stime 50 ticks: 2,000 ms.
 * const line = "42 (a b) R 1 42 42 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 1 0 5 0 0";
 * assert.equal(statCpuMs(line), 2000);
 * assert.ok(Number.isNaN(statCpuMs("42 (x) R")));
 * ```
 */
export function statCpuMs(line: string): number {
  // The command name may hold spaces and parentheses: fields start after the last ")".
  const close = line.lastIndexOf(")");
  if (close < 0) return NaN;
  const f = line.slice(close + 2).split(" ");
  // After the name: state is field 3, utime field 14 and stime field 15 (proc(5)).
  if (f.length < 13) return NaN;
  const ticks = Number(f[11]) + Number(f[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS : NaN;
}

/**
 * CPU time (user + system) process `pid` used so far, ms; NaN where /proc
 * cannot tell.
 */
export function processCpuMs(pid: number): number {
  try {
    return statCpuMs(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return NaN;
  }
}

/** See the module doc. */
export class ThreadCpuSampler {
  readonly #pid: number;
  readonly #last = new Map<string, number>();
  readonly #timer: ReturnType<typeof setInterval>;

  /**
   * Starts reading the threads of process `pid`.
   *
   * @param pid the process
   * @param intervalMs time between two readings
   */
  constructor(pid: number, intervalMs = 20) {
    this.#pid = pid;
    this.#read();
    this.#timer = setInterval(() => this.#read(), intervalMs);
  }

  #read(): void {
    let tids: Deno.DirEntry[];
    try {
      tids = [...Deno.readDirSync(`/proc/${this.#pid}/task`)];
    } catch {
      return; // the process has ended (or there is no /proc)
    }
    for (const t of tids) {
      try {
        const ms = statCpuMs(Deno.readTextFileSync(`/proc/${this.#pid}/task/${t.name}/stat`));
        if (!Number.isNaN(ms)) this.#last.set(t.name, ms);
      } catch {
        // The thread ended between the listing and the read: its last reading stays.
      }
    }
  }

  /**
   * Stops reading; call it once the process has ended.
   *
   * @returns the last readings, NaN for both when there was none
   */
  stop(): ThreadCpu {
    clearInterval(this.#timer);
    if (this.#last.size === 0) return { main: NaN, others: NaN };
    let main = 0;
    let others = 0;
    for (const [tid, ms] of this.#last) {
      if (tid === String(this.#pid)) main += ms;
      else others += ms;
    }
    return { main, others };
  }
}
