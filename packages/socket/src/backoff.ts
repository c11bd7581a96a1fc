// Reconnect delays as pure functions of the attempt number and an injected random source.

import type { RandomSource } from '@lifeline/core';

/** Parameters of exponential backoff with full jitter. */
export interface BackoffOptions {
  /** First ceiling in ms; attempt n draws from [0, min(cap, base * 2^n)). @default 500 */
  base: number;
  /** Largest delay in ms. @default 10000 */
  cap: number;
  /**
   * Largest delay in ms after an attempt the transport refused outright, before it opened (connection
   * refused, DNS failure, an HTTP error instead of the upgrade): such attempts cost the server almost
   * nothing, and a short ceiling brings clients back within about a second of the server's return
   * (at most about 2 attempts/s while refused). Attempts that time out or links that drop after
   * opening use `cap`. Capped by `cap`. @default 1000
   */
  refusedCap: number;
}

/** The defaults: base 500 ms, cap 10 s, 1 s after a refused attempt. */
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = { base: 500, cap: 10_000, refusedCap: 1_000 };

/** The ceiling of attempt `attempt` (0-based): `min(cap, base * 2^attempt)`. */
export function backoffCeiling(attempt: number, options: Pick<BackoffOptions, 'base' | 'cap'> = DEFAULT_BACKOFF): number {
  // Clamp the exponent so 2^attempt never overflows into Infinity * 0 = NaN territory.
  const exp = Math.min(Math.max(0, Math.floor(attempt)), 30);
  return Math.min(options.cap, options.base * 2 ** exp);
}

/**
 * Full-jitter backoff (AWS "Exponential Backoff And Jitter"): a uniform draw in
 * [0, min(cap, base * 2^attempt)). Jitter survives the cap, so clients never fall into lockstep.
 */
export function fullJitterBackoff(
  attempt: number,
  options: Pick<BackoffOptions, 'base' | 'cap'> = DEFAULT_BACKOFF,
  random: RandomSource = Math.random,
): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}

/**
 * Delay after a server's retry-after hint: never shorter than the hint, stretched by up to the
 * hint again (capped at `cap`) so that everyone told "come back in 2 s" does not return together.
 */
export function retryAfterDelay(retryAfterMs: number, cap: number, random: RandomSource = Math.random): number {
  const hint = Math.max(0, retryAfterMs);
  return Math.floor(hint + random() * Math.min(hint, cap));
}
