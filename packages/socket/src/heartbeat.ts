// Liveness of one open link: when a ping is due, when the link is dead, and which messages are pongs.

import type { ResolvedHeartbeat } from './options.js';

/** What the owner of a {@link Liveness} should do when its timer fires. */
export type LivenessVerdict = 'dead' | 'ping' | 'wait';

/** What an inbound message meant to the heartbeat. */
export interface Received {
  /** The message is a pong and must not reach the application. */
  readonly pong: boolean;
  /** Round-trip time, when the pong answers a ping. */
  readonly rtt: number | undefined;
  /**
   * The signal answered an outstanding ping or probe: the owner's timer, armed for that deadline,
   * must be re-armed for the next scheduled ping (at most once per ping, never per message).
   */
  readonly rearm: boolean;
}

/**
 * The liveness bookkeeping of one link, a pure function of the times it is told about. The owner
 * keeps one timer, armed for {@link Liveness.nextCheckAt}, and calls {@link Liveness.check} when it
 * fires. Deadlines are wall-clock times, so a timer that fires late still sees a dead link as dead.
 *
 * `lastAlive` is the open time, then the time of each alive signal (a pong, or any message when
 * `anyMessageIsAlive`). The link is dead at `lastAlive + maxMissed * interval + timeout`. In active
 * mode, ping k is due at `lastAlive + k * interval` for k = 1..maxMissed.
 */
export class Liveness {
  private lastAliveAt: number;
  /** Scheduled pings counted since `lastAliveAt`. */
  private pingsDue = 0;
  private lastPingAt: number | undefined;
  /** A probe's earlier deadline, until the next alive signal. */
  private probeDeadline = Infinity;

  constructor(
    readonly config: ResolvedHeartbeat,
    lastAlive: number,
  ) {
    this.lastAliveAt = lastAlive;
  }

  /** Time of the last alive signal (or of the open). */
  get lastAlive(): number {
    return this.lastAliveAt;
  }

  /** The wall-clock time from which the link counts as dead. */
  get deadline(): number {
    const { maxMissed, interval, timeout } = this.config;
    return Math.min(this.lastAliveAt + maxMissed * interval + timeout, this.probeDeadline);
  }

  isDead(now: number): boolean {
    return now >= this.deadline;
  }

  /** When the owner's timer should next fire: the next scheduled ping or the deadline. */
  nextCheckAt(): number {
    const { mode, maxMissed, interval } = this.config;
    const pinging = mode === 'active' && this.pingsDue < maxMissed;
    const nextPing = pinging ? this.lastAliveAt + (this.pingsDue + 1) * interval : Infinity;
    return Math.min(nextPing, this.deadline);
  }

  /** Decide at `now`: dead, send a scheduled ping (counted here), or nothing yet. */
  check(now: number): LivenessVerdict {
    if (this.isDead(now)) return 'dead';
    const { mode, maxMissed, interval } = this.config;
    if (mode !== 'active') return 'wait';
    // A late timer may have skipped several ping slots; one ping now covers all of them.
    const due = Math.min(maxMissed, Math.floor((now - this.lastAliveAt) / interval));
    if (due <= this.pingsDue) return 'wait';
    this.pingsDue = due;
    return 'ping';
  }

  /** The owner wrote a ping at `now` (scheduled or probe); pong RTTs are measured from it. */
  pinged(now: number): void {
    this.lastPingAt = now;
  }

  /**
   * Ask for proof of life now. In active mode, or passive mode with `probe`, the deadline moves in
   * to `now + timeout` and the owner must send a ping (returns true); otherwise there is no ping to
   * send (returns false). While a probe is outstanding (no alive signal since) another asks nothing
   * new and returns false: its ping would prove nothing more, and an owner whose ping write itself
   * probes (a link that cannot take writes) must not recurse.
   */
  probe(now: number): boolean {
    if (this.config.mode !== 'active' && !this.config.probe) return false;
    if (this.probeDeadline !== Infinity) return false;
    this.probeDeadline = now + this.config.timeout;
    return true;
  }

  /** Account for an inbound message; may throw if a user `pong` predicate throws. */
  received(data: unknown, now: number): Received {
    const pong = this.isPong(data);
    let rearm = false;
    if (pong || this.config.anyMessageIsAlive) {
      rearm = this.pingsDue > 0 || this.probeDeadline !== Infinity;
      this.lastAliveAt = now;
      this.pingsDue = 0;
      this.probeDeadline = Infinity;
    }
    if (!pong || this.lastPingAt === undefined) return { pong, rtt: undefined, rearm };
    const rtt = now - this.lastPingAt;
    this.lastPingAt = undefined;
    return { pong, rtt, rearm };
  }

  private isPong(data: unknown): boolean {
    const { pong } = this.config;
    if (pong === null) return false;
    if (typeof pong === 'string') return data === pong;
    if (typeof pong === 'function') return pong(data);
    if (typeof data !== 'string') return false;
    pong.lastIndex = 0; // a /g or /y pattern would otherwise resume where the last test stopped
    return pong.test(data);
  }
}
