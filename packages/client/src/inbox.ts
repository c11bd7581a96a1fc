// Exactly-once, in-order delivery of server messages, and the batching of cumulative acks.

/** What to do with an incoming server `msg`. */
export type Arrival = 'deliver' | 'replay' | 'gap';

/**
 * The receiving half of a session. A message is delivered only when its seq is exactly one past
 * the last delivered; an older seq is a replay and is dropped; a seq that skips ahead is dropped
 * and never acknowledged, so the server replays from the real position on the next resume.
 */
export class Inbox {
  private delivered = 0;
  private acked = 0;

  constructor(private readonly ackEvery: number) {}

  /** The highest server seq delivered to the application in this session. */
  get lastSeq(): number {
    return this.delivered;
  }

  /** Classify an arriving seq without changing anything. */
  classify(seq: number): Arrival {
    if (seq === this.delivered + 1) return 'deliver';
    return seq <= this.delivered ? 'replay' : 'gap';
  }

  /**
   * Record the delivery of `seq` (which {@link classify} called `deliver`). Returns the seq to ack
   * when `ackEvery` deliveries are now unacknowledged, else undefined.
   */
  markDelivered(seq: number): number | undefined {
    this.delivered = seq;
    return this.delivered - this.acked >= this.ackEvery ? this.delivered : undefined;
  }

  /** An ack (or a pong carrying one) for everything delivered so far was written. */
  ackedAll(): void {
    this.acked = this.delivered;
  }

  /**
   * A new connection: `hello.resume.lastSeq` told the server where we are, which acks everything
   * delivered. `fresh` starts a new session, numbered from 1.
   */
  restart(fresh: boolean): void {
    if (fresh) this.delivered = 0;
    this.acked = this.delivered;
  }
}
