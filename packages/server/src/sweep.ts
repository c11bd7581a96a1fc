// The one timer of the engine: a periodic sweep over every connection and session, with a stall guard.

import type { Clock, TimerHandle } from '@lifeline/core';

/**
 * Fires `onTick(now, stall)` every `tick` ms with a single re-armed clock timer. When a tick fires
 * more than one whole tick late (an event-loop stall, a SIGSTOP, a wall-clock jump), `stall` is the
 * lateness, so the caller can push every deadline back by it instead of blaming clients for the
 * server's own pause (reliability.md F18); otherwise `stall` is 0.
 */
export class Sweep {
  private timer: TimerHandle | undefined;
  private expected = 0;
  private running = false;

  constructor(
    private readonly clock: Clock,
    readonly tick: number,
    private readonly onTick: (now: number, stall: number) => void,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.arm(this.clock.now());
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(now: number): void {
    this.expected = now + this.tick;
    this.timer = this.clock.setTimeout(() => this.fire(), this.tick);
  }

  private fire(): void {
    this.timer = undefined;
    if (!this.running) return;
    const now = this.clock.now();
    const late = now - this.expected;
    try {
      this.onTick(now, late > this.tick ? late : 0);
    } finally {
      if (this.running) this.arm(this.clock.now());
    }
  }
}

/**
 * Sweep period: a quarter of the shortest of heartbeat interval, heartbeat timeout and handshake
 * timeout (5 s with the defaults), at least 5 ms. Deadlines are checked one tick early (see
 * `Liveness.tick`), so a dead peer is dropped within interval + timeout of its last frame, never later.
 */
export function sweepTick(interval: number, timeout: number, handshakeTimeout: number): number {
  return Math.max(5, Math.floor(Math.min(interval, timeout, handshakeTimeout) / 4));
}
