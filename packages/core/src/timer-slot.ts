// One named, cancellable timer on a Clock that also tells its callback how late it fired.

import type { Clock } from './clock.js';

// Platform timers overflow above 2^31 - 1 ms and fire at once.
const MAX_DELAY = 2_147_483_647;

/**
 * A timer slot: setting it replaces whatever was pending, so one slot never holds two timers.
 * The callback receives how many ms after its due time it ran; a large value means the device slept
 * or the page was frozen.
 */
export class TimerSlot {
  private token: object | null = null;
  private handle: unknown;

  constructor(private readonly clock: Clock) {}

  /** Whether a timer is pending. */
  get armed(): boolean {
    return this.token !== null;
  }

  /** Replace any pending timer with one that calls `fn(lateBy)` after `ms`. */
  set(ms: number, fn: (lateBy: number) => void): void {
    this.clear();
    const delay = Math.min(Math.max(0, ms), MAX_DELAY);
    const dueAt = this.clock.now() + delay;
    const token = {};
    this.token = token;
    this.handle = this.clock.setTimeout(() => {
      // A clock that runs a cleared callback anyway must not reach a newer owner of the slot.
      if (this.token !== token) return;
      this.token = null;
      fn(Math.max(0, this.clock.now() - dueAt));
    }, delay);
  }

  /** Cancel the pending timer, if any. */
  clear(): void {
    if (this.token === null) return;
    this.token = null;
    this.clock.clearTimeout(this.handle);
  }
}
