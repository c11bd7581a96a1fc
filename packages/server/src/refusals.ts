// The client messages a session refused for good, kept until the client has certainly heard of them.

import type { ErrorCode, Refusal } from '@lifeline/protocol';

/** Most refusals a session keeps unconfirmed; past it the session stops taking messages until the client catches up. */
export const MAX_REFUSALS = 256;

/** A ping goes out early once this many refusals wait for confirmation. */
export const REFUSALS_BEFORE_PING = 16;

interface Entry extends Refusal {
  readonly index: number;
  readonly at: number;
}

/**
 * A refused message's seq is consumed (the session goes on), so its refusal must reach the client or
 * the ack that covers it would read as success. A refusal is told in an `error` frame and again in
 * every resumed welcome until the client has certainly seen it: a pong to a ping written after it
 * proves that (frames arrive in order). Bounded by {@link MAX_REFUSALS} and by the resume window.
 */
export class Refusals {
  private entries: Entry[] = [];
  private next = 1;

  /** Refusals the client may not have seen. */
  get pending(): number {
    return this.entries.length;
  }

  /** Index of the newest refusal (0 before any): a ping written now confirms up to it once answered. */
  get newest(): number {
    return this.next - 1;
  }

  /** Keep one; false (nothing kept) when {@link MAX_REFUSALS} are unconfirmed within `keepFor` of `now`. */
  add(seq: number, code: ErrorCode, now: number, keepFor: number): boolean {
    this.entries = this.entries.filter((r) => now - r.at < keepFor);
    if (this.entries.length >= MAX_REFUSALS) return false;
    this.entries.push({ index: this.next++, seq, code, at: now });
    return true;
  }

  /** A pong answered a ping written when `upTo` was the newest: those are known to the client. */
  confirm(upTo: number): void {
    if (this.entries.length > 0) this.entries = this.entries.filter((r) => r.index > upTo);
  }

  /** What a resumed welcome carries: every unconfirmed refusal of the last `keepFor` ms. */
  forWelcome(now: number, keepFor: number): Refusal[] {
    return this.entries.filter((r) => now - r.at < keepFor).map(({ seq, code }) => ({ seq, code }));
  }
}
