// The one timer of the engine: a periodic sweep over every connection and session, with a stall guard.

import { TimerSlot, type Clock } from '@lifeline/core';

/**
 * Fires `onTick(now, stall)` every `tick` ms from one re-armed timer slot. When a tick fires more
 * than one whole tick late (an event-loop stall, a SIGSTOP, a wall-clock jump), `stall` is the
 * lateness, so the caller can push every deadline back by it instead of blaming clients for the
 * server's own pause (reliability.md F18); otherwise `stall` is 0.
 */
export class Sweep {
  private readonly slot: TimerSlot;
  private running = false;

  constructor(
    private readonly clock: Clock,
    readonly tick: number,
    private readonly onTick: (now: number, stall: number) => void,
  ) {
    this.slot = new TimerSlot(clock);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.slot.clear();
  }

  private arm(): void {
    this.slot.set(this.tick, (late) => this.fire(late));
  }

  private fire(late: number): void {
    if (!this.running) return;
    try {
      this.onTick(this.clock.now(), late > this.tick ? late : 0);
    } finally {
      if (this.running) this.arm();
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
