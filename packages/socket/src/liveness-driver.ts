// Drives the open link's Liveness: the one heartbeat timer, pings, probes, wake detection, and pongs.

import { Liveness, type Received } from './heartbeat.js';
import type { ResolvedHeartbeat, ResolvedOptions } from './options.js';
import { TimerSlot } from '@lifeline/core';
import type { WebSocketLike } from './transport.js';

/** The options a {@link LivenessDriver} reads; `heartbeat` is only the initial configuration. */
export type LivenessOptions = Pick<ResolvedOptions, 'heartbeat' | 'clock' | 'wakeThreshold' | 'reportError'>;

/** What a {@link LivenessDriver} reports to its owner, and where it writes pings. */
export interface LivenessHost {
  /** The socket pings are written to. */
  socket(): WebSocketLike | null;
  /** The deadline passed: the link is dead. */
  dead(): void;
  /** A pong answered a ping after `rtt` ms. */
  pong(rtt: number): void;
  /** Writing a ping threw; the deadline, not this, decides whether the link is dead. */
  pingFailed(error: unknown): void;
  /** A probe started: the link must show life within `timeout` (the owner sends its own ping when `message` is null). */
  probing(): void;
}

/**
 * Owns the heartbeat configuration, the {@link Liveness} of the open link (none while no link is
 * open or the heartbeat is off) and the heartbeat timer slot. It never changes state itself: a
 * dead link is reported through {@link LivenessHost.dead}.
 */
export class LivenessDriver {
  private config: ResolvedHeartbeat | false;
  private liveness: Liveness | null = null;
  private readonly timer: TimerSlot;

  constructor(
    private readonly options: LivenessOptions,
    private readonly host: LivenessHost,
  ) {
    this.config = options.heartbeat;
    this.timer = new TimerSlot(options.clock);
  }

  /** A link opened at `now`: track it with the current configuration. */
  start(now: number): void {
    this.liveness = this.config ? new Liveness(this.config, now) : null;
    this.arm();
  }

  /** The link is gone: cancel the timer and forget its liveness. */
  stop(): void {
    this.timer.clear();
    this.liveness = null;
  }

  /**
   * Replace the configuration. With `open`, the link switches at once, keeping its last alive time
   * (or starting from now if it had no heartbeat).
   */
  configure(config: ResolvedHeartbeat | false, open: boolean): void {
    this.config = config;
    if (!open) return;
    const lastAlive = this.liveness?.lastAlive ?? this.options.clock.now();
    this.liveness = config ? new Liveness(config, lastAlive) : null;
    this.timer.clear();
    this.arm();
  }

  /** Whether a tracked link is past its deadline now. */
  isDead(): boolean {
    const liveness = this.liveness;
    return liveness !== null && liveness.isDead(this.options.clock.now());
  }

  /**
   * Check the link now: a dead one is reported; otherwise, if the mode allows, send a ping and
   * require life within `timeout`. Does nothing without a tracked link.
   */
  probe(): void {
    const liveness = this.liveness;
    if (!liveness) return;
    const now = this.options.clock.now();
    if (liveness.isDead(now)) return this.host.dead();
    if (!liveness.probe(now)) return;
    this.sendPing(liveness);
    this.arm();
    if (liveness === this.liveness) this.host.probing();
  }

  /** Account for an inbound message; true when it was a pong, which the application must not see. */
  isPong(data: unknown): boolean {
    const liveness = this.liveness;
    if (!liveness) return false;
    let received: Received;
    try {
      received = liveness.received(data, this.options.clock.now());
    } catch (error) {
      this.options.reportError(error); // a throwing `pong` predicate: treat as an application message
      received = { pong: false, rtt: undefined, rearm: false };
    }
    // The timer waits for the deadline of a ping now answered: the next ping is due interval after this.
    if (received.rearm) this.arm();
    if (!received.pong) return false;
    if (received.rtt !== undefined) this.host.pong(received.rtt);
    return true;
  }

  /**
   * Arm the one heartbeat timer for the next ping or the deadline. Inbound messages do not re-arm
   * it (that would cost two timer calls per message): a timer that finds the link still alive simply
   * re-arms for the later time. Only an answer to an outstanding ping or probe re-arms at once, since
   * the timer then waits for a deadline past the next scheduled ping.
   */
  private arm(): void {
    const liveness = this.liveness;
    if (!liveness) return;
    const delay = liveness.nextCheckAt() - this.options.clock.now();
    this.timer.set(delay, (late) => this.onTimer(liveness, late));
  }

  private onTimer(liveness: Liveness, late: number): void {
    if (liveness !== this.liveness) return;
    const now = this.options.clock.now();
    const verdict = liveness.check(now);
    if (verdict === 'dead') return this.host.dead();
    // Timers this late mean the device slept: the link may be a ghost, so ask for proof now.
    const probing = late > this.options.wakeThreshold && liveness.probe(now);
    if (verdict === 'ping' || probing) this.sendPing(liveness);
    if (liveness === this.liveness) this.arm();
    if (probing && liveness === this.liveness) this.host.probing();
  }

  private sendPing(liveness: Liveness): void {
    const socket = this.host.socket();
    if (!socket) return;
    const { message } = liveness.config;
    if (message === null) return; // the owner pings on `probing()`
    try {
      socket.send(typeof message === 'function' ? message() : message);
      liveness.pinged(this.options.clock.now());
    } catch (error) {
      this.host.pingFailed(error);
    }
  }
}
