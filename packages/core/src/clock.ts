// Time as an injected dependency: every timer and every "now" in Lifeline goes through a Clock.

import { platform } from './platform.js';

/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/** The source of time of a Lifeline object. Tests pass a fake clock. */
export interface Clock {
  /** Milliseconds on an epoch-based time line. */
  now(): number;
  /** Schedule `fn` after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancel a timer; unknown or already-fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** A random source in [0, 1), injected wherever jitter is drawn. */
export type RandomSource = () => number;

// Captured once at load so an application's fake timers cannot freeze the library's own.
const nativeSetTimeout = platform.setTimeout;
const nativeClearTimeout = platform.clearTimeout;
const nativeNow = Date.now.bind(Date);

/**
 * The wall clock: `Date.now` with the platform's timers. The default of the socket and the client,
 * whose deadlines must survive timers that a background tab or a sleeping laptop fired late.
 */
export const systemClock: Clock = {
  now: nativeNow,
  setTimeout: (fn, ms) => nativeSetTimeout(fn, ms),
  clearTimeout: (handle) => nativeClearTimeout(handle),
};

/**
 * A monotonic clock (`performance.timeOrigin + performance.now()` where the platform has it, else
 * `Date.now`) whose timers do not keep a Node process alive (`unref` where the handle has it). The
 * default of the server: a wall-clock jump never moves a deadline, and the listening socket, not the
 * sweep, keeps the process running.
 */
export const monotonicClock: Clock = {
  now: platform.monotonicNow,
  setTimeout: (fn, ms) => {
    const handle = nativeSetTimeout(fn, ms);
    (handle as { unref?: () => void } | null)?.unref?.();
    return handle;
  },
  clearTimeout: (handle) => {
    if (handle !== undefined && handle !== null) nativeClearTimeout(handle);
  },
};
