// A deterministic Clock for tests: time moves only when the test says so.

import type { Clock, TimerHandle } from '@lifeline/socket';

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A fake {@link Clock}. `advance(ms)` runs due timers in time order, letting each see `now()` at its
 * own due time. `jump(ms)` moves the wall clock without firing anything, as a sleeping laptop or a
 * throttled tab does; the overdue timers then fire on the next `advance`/`runDue`, late.
 */
export class FakeClock implements Clock {
  private time: number;
  private nextId = 1;
  private timers: FakeTimer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, at: this.time + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.timers.length;
  }

  /** Due time of the earliest pending timer, or undefined. */
  nextAt(): number | undefined {
    let min: number | undefined;
    for (const t of this.timers) if (min === undefined || t.at < min) min = t.at;
    return min;
  }

  /** Advance time by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      const next = this.takeEarliest(end);
      if (!next) break;
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    this.time = end;
  }

  /** Move the wall clock forward without firing timers (sleep, throttling). */
  jump(ms: number): void {
    this.time += ms;
  }

  /** Fire every timer already due at the current time (after a `jump`). */
  runDue(): void {
    this.advance(0);
  }

  private takeEarliest(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) if (t.at <= limit && (!best || t.at < best.at || (t.at === best.at && t.id < best.id))) best = t;
    if (best) this.timers = this.timers.filter((t) => t !== best);
    return best;
  }
}

/** A seeded pseudo-random source (mulberry32) for reproducible jitter in tests. */
export function seededRandom(seed = 42): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
