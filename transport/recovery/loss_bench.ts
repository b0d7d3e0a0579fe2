import { Cubic } from "./congestion/cubic.ts";
import { LossRecovery } from "./loss.ts";
import type { SentPacket } from "./sent_packet.ts";
import { SpaceId } from "./space_id.ts";

const IN_FLIGHT = 30_000;

Deno.bench("LossRecovery: send and acknowledge with 30,000 packets in flight", (b) => {
  const lr = new LossRecovery({ maxAckDelay: 25_000, congestion: new Cubic(), isClient: false });
  lr.setHandshakeConfirmed(0);
  const packets: SentPacket[] = [];
  for (let pn = 0; pn < IN_FLIGHT + 20_000; pn++) {
    packets.push({
      pn,
      space: SpaceId.Application,
      timeSent: pn * 10,
      size: 1200,
      ackEliciting: true,
      inFlight: true,
      frames: [],
    });
  }
  b.start();
  for (let pn = 0; pn < packets.length; pn++) {
    lr.onPacketSent(packets[pn]!, pn * 10);
    if (pn >= IN_FLIGHT && pn % 2 === 0) {
      const hi = pn - IN_FLIGHT;
      lr.onAckReceived(SpaceId.Application, [hi, Math.max(0, hi - 5000)], 0, pn * 10);
    }
  }
  b.end();
});
