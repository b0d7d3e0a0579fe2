/**
 * The deterministic network simulator: a virtual clock, links with delay,
 * bandwidth, queues, loss, reordering and corruption, and NAT rebinding.
 *
 * @module
 */

export * from "./network.ts";
export * from "./link.ts";
export { EventQueue } from "./event_queue.ts";
