/**
 * Where the `pquic` command writes its log lines: stdout by default, a file
 * with `-l file`, nowhere with `-l /dev/null` (picoquicdemo's `-l`).
 *
 * Writes are synchronous so that lines keep their order with the progress
 * bar and nothing is lost when the process exits right after.
 *
 * @module
 */

const encoder = new TextEncoder();

/** A sink for log lines. */
export interface LogSink {
  /** Writes one line (a newline is added). */
  line(text: string): void;
  /** Flushes and releases the file. */
  close(): void;
}

/** Writes lines to a `Deno.FsFile`-like target or stdout. */
export class Log implements LogSink {
  readonly #file: Deno.FsFile | null;
  readonly #toStdout: boolean;
  /** Called before each line is written (the progress bar clears itself). */
  beforeLine: (() => void) | null = null;

  private constructor(file: Deno.FsFile | null, toStdout: boolean) {
    this.#file = file;
    this.#toStdout = toStdout;
  }

  /**
   * Opens the log: `null` = stdout, `/dev/null` = nothing, else a file
   * (created or truncated).
   */
  static open(path: string | null): Log {
    if (path === null || path === "-") return new Log(null, true);
    if (path === "/dev/null") return new Log(null, false);
    return new Log(Deno.openSync(path, { write: true, create: true, truncate: true }), false);
  }

  /** True when lines go to stdout (so a progress bar there must make room). */
  get toStdout(): boolean {
    return this.#toStdout;
  }

  line(text: string): void {
    const bytes = encoder.encode(text + "\n");
    if (this.#toStdout) {
      this.beforeLine?.();
      writeAll(Deno.stdout, bytes);
    } else if (this.#file !== null) writeAll(this.#file, bytes);
  }

  close(): void {
    try {
      this.#file?.close();
    } catch {
      // Already closed.
    }
  }
}

/** Writes every byte with a synchronous writer. */
export function writeAll(w: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += w.writeSync(bytes.subarray(off));
}

/** Appends NSS key-log lines to a file (`-X`, `SSLKEYLOGFILE`). */
export class KeyLogFile {
  readonly #file: Deno.FsFile;

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** Opens `path` for appending (as browsers and curl do with SSLKEYLOGFILE). */
  static open(path: string): KeyLogFile {
    return new KeyLogFile(Deno.openSync(path, { append: true, create: true }));
  }

  /** Writes one key-log line. */
  line(text: string): void {
    writeAll(this.#file, encoder.encode(text.endsWith("\n") ? text : text + "\n"));
  }

  /** Closes the file. */
  close(): void {
    try {
      this.#file.close();
    } catch {
      // Already closed.
    }
  }
}
