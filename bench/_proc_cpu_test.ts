import assert from "node:assert/strict";
import { processCpuMs, statCpuMs, ThreadCpuSampler } from "./_proc_cpu.ts";

const linux = Deno.build.os === "linux";

Deno.test("statCpuMs reads utime + stime after a command name with spaces and parentheses", () => {
  const line = "7 (a) b (c) S 1 7 7 0 -1 4194560 0 0 0 0 12 3 0 0 20 0 9 0 100 0 0";
  assert.equal(statCpuMs(line), 150);
  assert.ok(Number.isNaN(statCpuMs("")));
  assert.ok(Number.isNaN(statCpuMs("7 (a) S 1 7 7 0 -1 x 0 0 0 0 twelve 3")));
});

Deno.test("processCpuMs of a process that does not exist is NaN", () => {
  // Above the kernel's pid_max (at most 2^22).
  assert.ok(Number.isNaN(processCpuMs(1 << 23)));
});

Deno.test({
  name: "ThreadCpuSampler splits a busy child's CPU: its main thread, then the others",
  ignore: !linux,
  async fn() {
    // The child spins on its main thread until it has used 300 ms of CPU.
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        "const t = performance.now(); let x = 0; while (performance.now() - t < 300) x++;",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const sampler = new ThreadCpuSampler(child.pid, 10);
    await child.status;
    const { main, others } = sampler.stop();
    assert.ok(main > 0, `main thread ${main} ms`);
    assert.ok(others >= 0, `other threads ${others} ms`);
  },
});
