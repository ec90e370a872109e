import type { DeadLetterQueue, DeadLetterView } from '../../messaging/dead-letters.port';
import type { LocalBus } from './local-bus';

/** The local bus's dead letters. A row's sequence number names it; replay puts it back in place. */
export class LocalBusDeadLetterQueue implements DeadLetterQueue {
  constructor(private readonly bus: LocalBus) {}

  async list(): Promise<DeadLetterView[]> {
    return (await this.bus.deadLetters()).map((d) => ({
      id: String(d.seq),
      messageId: d.messageId,
      topic: d.topic,
      subscription: d.subscription,
      subject: d.subject,
      deliveryCount: d.deliveryCount,
      reason: d.reason,
      enqueuedAt: d.enqueuedAt.toISOString(),
      body: d.body,
    }));
  }

  async replay(id: string): Promise<boolean> {
    const seq = sequenceOf(id);
    return seq === undefined ? false : this.bus.replay(seq);
  }

  async purge(id: string): Promise<boolean> {
    const seq = sequenceOf(id);
    return seq === undefined ? false : this.bus.purgeDeadLetter(seq);
  }
}

/** `seq` is a serial (int4) column: anything else cannot name a row. */
function sequenceOf(id: string): number | undefined {
  if (!/^[1-9]\d{0,9}$/.test(id) || Number(id) > 2 ** 31 - 1) return undefined;
  return Number(id);
}
