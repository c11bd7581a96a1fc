// Drives reconnection: the verdict after a loss (retry, offline, give up), the reconnect timer, `reconnecting`.

import type { CloseInfo } from './emitter.js';
import type { ResolvedOptions } from './options.js';
import { ReconnectPolicy } from './reconnect.js';
import { TimerSlot } from '@lifeline/core';

/** The options a {@link Reconnector} reads. */
export type ReconnectOptions = Pick<
  ResolvedOptions,
  'clock' | 'backoff' | 'maxAttempts' | 'minUptime' | 'random' | 'shouldReconnect' | 'reportError' | 'environment'
>;

/** What a {@link Reconnector} needs from its owner. */
export interface ReconnectHost {
  /** Start a counted attempt now (the reconnect timer fired). */
  attempt(): void;
  /** Dispatch `reconnecting` for attempt number `attempt`, starting in `delay` ms. */
  reconnecting(attempt: number, delay: number, reason: string): void;
}

/** Where the socket goes after a loss, and the `statechange` reason. */
export interface LossVerdict {
  readonly to: 'reconnecting' | 'offline' | 'closed';
  readonly reason: string;
}

/**
 * Owns the {@link ReconnectPolicy} and the reconnect timer slot. It never changes state itself: the
 * owner asks for a {@link Reconnector.verdict}, transitions, and then schedules or announces attempts.
 */
export class Reconnector {
  private readonly policy: ReconnectPolicy;
  private readonly timer: TimerSlot;

  constructor(
    private readonly options: ReconnectOptions,
    private readonly host: ReconnectHost,
  ) {
    const { backoff, maxAttempts, minUptime, random } = options;
    this.policy = new ReconnectPolicy({ backoff, maxAttempts, minUptime, random });
    this.timer = new TimerSlot(options.clock);
  }

  /** Reconnect attempts started since the last stable link. */
  get attempts(): number {
    return this.policy.attempts;
  }

  /** An attempt starts; `counted` ones advance the counter (the first connection does not). */
  attemptStarted(counted: boolean): void {
    this.timer.clear();
    if (counted) this.policy.attemptStarted();
  }

  /** A link opened at `now`. */
  opened(now: number): void {
    this.policy.opened(now);
  }

  /** A link or attempt was lost now; `refused`: the transport failed the attempt before it opened. */
  lost(refused = false): void {
    this.policy.lost(this.options.clock.now(), refused);
  }

  /**
   * What follows a loss (already recorded with {@link Reconnector.lost}): a terminal close code,
   * exhausted attempts or no network decide, in that order, and only as far as needed.
   */
  verdict(why: string, close: CloseInfo | null): LossVerdict {
    if (close && !this.shouldReconnect(close)) return { to: 'closed', reason: `terminal-code:${close.code}` };
    if (this.policy.exhausted) return { to: 'closed', reason: 'max-attempts' };
    if (!this.options.environment.isOnline()) return { to: 'offline', reason: 'offline' };
    return { to: 'reconnecting', reason: why };
  }

  /** Arm the next attempt after the backoff delay (or at once) and announce it. */
  schedule(reason: string, immediate: boolean): void {
    const delay = immediate ? 0 : this.policy.nextDelay();
    this.timer.set(delay, () => this.host.attempt());
    this.host.reconnecting(this.policy.attempts + 1, delay, reason);
  }

  /** Cancel a pending attempt and announce one for now; the owner starts it unless a listener took over. */
  announceNow(reason: string): void {
    this.timer.clear();
    this.host.reconnecting(this.policy.attempts + 1, 0, reason);
  }

  /** Cancel a pending attempt. */
  cancel(): void {
    this.timer.clear();
  }

  /**
   * Make the next delay `retryAfterDelay(ms, backoff.cap)` instead of backoff.
   * @throws RangeError unless `ms` is a finite number >= 0.
   */
  retryAfter(ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`LifelineSocket.retryAfter: ms must be a finite number >= 0, got ${String(ms)}`);
    }
    this.policy.retryAfter(ms);
  }

  /** Start over from attempt 0 (after `closed`). */
  reset(): void {
    this.policy.reset();
  }

  private shouldReconnect(close: CloseInfo): boolean {
    try {
      return this.options.shouldReconnect({ code: close.code, reason: close.reason });
    } catch (error) {
      this.options.reportError(error);
      return true; // a buggy policy must not strand the user
    }
  }
}
