// Time as an injected dependency: every timer and every "now" in Lifeline goes through a Clock.

/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/**
 * The source of time for a Lifeline object. Tests pass a fake clock; production code uses
 * {@link systemClock}. `now()` is wall-clock milliseconds (`Date.now()`), because deadlines must
 * survive timers that a background tab or a sleeping laptop fired late.
 */
export interface Clock {
  /** Milliseconds since the epoch, as `Date.now()`. */
  now(): number;
  /** Schedule `fn` after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancel a timer; unknown or already-fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

// The timer functions every platform has, typed structurally: this package compiles without DOM or
// Node typings.
interface TimerHost {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}
const host = globalThis as unknown as TimerHost;

// Captured once at load so an application's fake timers cannot freeze the library's own.
const nativeSetTimeout = host.setTimeout.bind(globalThis);
const nativeClearTimeout = host.clearTimeout.bind(globalThis);
const nativeNow = Date.now.bind(Date);

/** The native clock: `Date.now`, `setTimeout` and `clearTimeout` of the platform. */
export const systemClock: Clock = {
  now: nativeNow,
  setTimeout: (fn, ms) => nativeSetTimeout(fn, ms),
  clearTimeout: (handle) => nativeClearTimeout(handle),
};

/** A random source in [0, 1), injected wherever jitter is drawn. */
export type RandomSource = () => number;
