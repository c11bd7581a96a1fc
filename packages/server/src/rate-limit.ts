// Token bucket limiting the inbound frame rate of one connection.

/** A token bucket: `burst` tokens, refilled continuously at `perSecond`. Starts full. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Take one token; false when the bucket is dry. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * The `retryAfter` of a rate-limit `goaway`: the time a dry bucket needs to refill completely, so a
 * client that honours it averages no more than `perSecond` over a flood-and-wait cycle.
 */
export function rateLimitRetryAfter(perSecond: number, burst: number): number {
  return Math.ceil((burst / perSecond) * 1000);
}
