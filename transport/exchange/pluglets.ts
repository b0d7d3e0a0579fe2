/**
 * The protoop lines that carry plugin exchange on a connection (a
 * TypeScript plugin, `EXCHANGE_PLUGIN`): a `post` on
 * `connection_state_changed` that starts it at Established, and for each
 * exchange frame type the `replace` of parse_frame, process_frame,
 * write_frame and notify_frame (plugin frames, CATALOGUE.md). The work is
 * the exchange's (`exchange.ts`); this file only wires it to the table.
 *
 * @module
 */

import { ConnectionState } from "../connection/events.ts";
import type { Pluglet, PlugletCall, PlugletLine } from "../protoop/mod.ts";
import type { Reader } from "../wire/reader.ts";
import { EXCHANGE_FRAME_TYPES } from "./codepoints.ts";
import { type ExchangeFrame, parseExchangeFrame } from "./frames.ts";

/** What the exchange's pluglets call. */
export interface ExchangeHandlers {
  /** The connection reached Established: both ends' transport parameters are known. */
  onEstablished(): void;
  /** An exchange frame was received (after parse_frame). */
  onFrame(f: ExchangeFrame): void;
  /** `write_frame` of a booked exchange frame; returns its status. */
  write(c: PlugletCall): bigint;
  /** `notify_frame`: the booking of context `ctx` was acknowledged or lost (`fate`). */
  notify(ctx: bigint, fate: number): void;
}

/**
 * The exchange's pluglet lines.
 *
 * @param h The exchange.
 * @param wrap Makes a pluglet of a function (the exchange keeps the call in
 *   progress, through which its frames are booked).
 * @returns The lines of the exchange's plugin definition.
 */
export function exchangePluglets(
  h: ExchangeHandlers,
  wrap: (fn: (c: PlugletCall) => bigint | void) => Pluglet,
): PlugletLine[] {
  const lines: PlugletLine[] = [{
    op: "connection_state_changed",
    anchor: "post",
    pluglet: wrap((c) => {
      if (Number(c.args[1]) === ConnectionState.Established) h.onEstablished();
    }),
  }];
  for (const type of EXCHANGE_FRAME_TYPES) {
    lines.push(
      {
        op: "parse_frame",
        param: type,
        anchor: "replace",
        pluglet: wrap((c) => c.handleOf(parseExchangeFrame(c.handle(c.args[0]!) as Reader))),
      },
      {
        op: "process_frame",
        param: type,
        anchor: "replace",
        pluglet: wrap((c) => {
          h.onFrame(c.handle(c.args[0]!) as unknown as ExchangeFrame);
        }),
      },
      {
        op: "write_frame",
        param: type,
        anchor: "replace",
        pluglet: wrap((c) => h.write(c)),
      },
      {
        op: "notify_frame",
        param: type,
        anchor: "replace",
        pluglet: wrap((c) => h.notify(c.args[3]!, Number(c.args[1]))),
      },
    );
  }
  return lines;
}
