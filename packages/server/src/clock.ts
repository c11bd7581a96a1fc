// Injected time and randomness for the server: the same Clock shape as @lifeline/socket, defined here so the server does not depend on it.

import { performance } from 'node:perf_hooks';

/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/** The source of time for the engine. Tests pass a fake clock; production uses {@link systemClock}. */
export interface Clock {
  /** Milliseconds on an epoch-based time line. */
  now(): number;
  /** Schedule `fn` after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancel a timer; unknown or already-fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** A random source in [0, 1). */
export type RandomSource = () => number;

// Captured once at load so an application's fake timers cannot freeze the server's own.
const nativeSetTimeout = globalThis.setTimeout;
const nativeClearTimeout = globalThis.clearTimeout;
const origin = performance.timeOrigin;

/**
 * The server's native clock. `now()` is monotonic (`performance.timeOrigin + performance.now()`), so a
 * wall-clock jump never moves a deadline. Timers are `unref`'d: the HTTP server keeps the process
 * alive, the sweep must not.
 */
export const systemClock: Clock = {
  now: () => origin + performance.now(),
  setTimeout: (fn, ms) => {
    const timer = nativeSetTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => {
    if (handle !== undefined && handle !== null) nativeClearTimeout(handle as ReturnType<typeof nativeSetTimeout>);
  },
};
