// Reconnect bookkeeping: the attempt counter, the next delay, minUptime, and a server's retry-after hint.

import { fullJitterBackoff, retryAfterDelay, type BackoffOptions } from './backoff.js';
import type { RandomSource } from '@lifeline/core';

/** The inputs of a {@link ReconnectPolicy}. */
export interface ReconnectPolicyOptions {
  readonly backoff: Readonly<BackoffOptions>;
  readonly maxAttempts: number;
  readonly minUptime: number;
  readonly random: RandomSource;
}

/**
 * Counts reconnect attempts since the last stable link and picks the delay before the next one.
 * The first connection is not an attempt. A link that stays open `minUptime` ms resets the counter
 * when it is lost; one that drops sooner does not, so a server that accepts and then kicks us
 * keeps backing off instead of being hammered (compared at loss time: no timer to leak).
 */
export class ReconnectPolicy {
  private started = 0;
  private openedAt: number | undefined;
  private hint: number | undefined;
  /** Whether the last failure was an attempt the transport refused before it opened. */
  private refused = false;

  constructor(private readonly options: ReconnectPolicyOptions) {}

  /** Reconnect attempts started since the last stable link. */
  get attempts(): number {
    return this.started;
  }

  /** Whether `maxAttempts` attempts have been made. */
  get exhausted(): boolean {
    return this.started >= this.options.maxAttempts;
  }

  /** The delay before the next attempt; a pending retry-after hint is used once, instead of backoff. */
  nextDelay(): number {
    const { backoff, random } = this.options;
    const hint = this.hint;
    this.hint = undefined;
    if (hint !== undefined) return retryAfterDelay(hint, backoff.cap, random);
    const cap = this.refused ? backoff.refusedCap : backoff.cap;
    return fullJitterBackoff(this.started, { base: Math.min(backoff.base, cap), cap }, random);
  }

  attemptStarted(): void {
    this.started++;
  }

  opened(now: number): void {
    this.openedAt = now;
  }

  /** A link or an attempt was lost at `now`; `refused`: the transport failed the attempt before it opened. */
  lost(now: number, refused = false): void {
    if (this.openedAt !== undefined && now - this.openedAt >= this.options.minUptime) this.started = 0;
    this.openedAt = undefined;
    this.refused = refused;
  }

  /** Use `retryAfterDelay(ms)` for the next delay. */
  retryAfter(ms: number): void {
    this.hint = ms;
  }

  reset(): void {
    this.started = 0;
    this.openedAt = undefined;
    this.hint = undefined;
    this.refused = false;
  }
}
