/**
 * A one-line progress bar for long transfers, redrawn in place on a
 * terminal (`\r`); nothing at all when the output is not a terminal.
 *
 * @module
 */

import { writeAll } from "./log.ts";
import { formatBytes, formatRate } from "./summary.ts";

const encoder = new TextEncoder();

/** Where the bar is drawn (stdout in the command, a buffer in tests). */
export interface ProgressTarget {
  writeSync(p: Uint8Array): number;
}

/** The bar text for `bytes` of `total` (null: unknown) after `elapsedUs`. */
export function progressLine(
  bytes: number,
  total: number | null,
  elapsedUs: number,
  width = 30,
): string {
  const rate = formatRate(bytes, elapsedUs);
  if (total === null || total <= 0) return `${formatBytes(bytes)}  ${rate}`;
  const frac = Math.min(1, bytes / total);
  const full = Math.round(frac * width);
  const bar = "#".repeat(full) + "-".repeat(width - full);
  const pct = (frac * 100).toFixed(0).padStart(3);
  return `[${bar}] ${pct}%  ${formatBytes(bytes)} / ${formatBytes(total)}  ${rate}`;
}

/**
 * Draws the bar at most every `intervalMs`, after the transfer has lasted
 * `delayMs` (short transfers never show one).
 */
export class ProgressBar {
  readonly #target: ProgressTarget;
  readonly #delayUs: number;
  readonly #intervalUs: number;
  #shown = false;
  #lastDraw = -Infinity;

  /**
   * @param target The terminal.
   * @param delayMs No bar before the transfer lasted this long.
   * @param intervalMs Least time between redraws.
   */
  constructor(target: ProgressTarget, delayMs = 500, intervalMs = 100) {
    this.#target = target;
    this.#delayUs = delayMs * 1000;
    this.#intervalUs = intervalMs * 1000;
  }

  /** Redraws if due: `elapsedUs` since the transfer started. */
  update(bytes: number, total: number | null, elapsedUs: number): void {
    if (elapsedUs < this.#delayUs || elapsedUs - this.#lastDraw < this.#intervalUs) return;
    this.#lastDraw = elapsedUs;
    this.#shown = true;
    writeAll(this.#target, encoder.encode(`\r\x1b[2K${progressLine(bytes, total, elapsedUs)}`));
  }

  /** Erases the bar (before a log line, or at the end). */
  clear(): void {
    if (!this.#shown) return;
    this.#shown = false;
    writeAll(this.#target, encoder.encode("\r\x1b[2K"));
  }
}
