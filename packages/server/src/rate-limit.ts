// Token buckets: the inbound rate of a session (kept across its connections) and of an identity or address (across its sessions).

import type { RateLimitOptions } from './options.js';

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

  /**
   * The `retryAfter` of a rate-limit `goaway`: the time a dry bucket needs to refill completely, so a
   * client that honours it averages no more than `perSecond` over a flood-and-wait cycle.
   */
  get refillTime(): number {
    return Math.ceil((this.burst / this.perSecond) * 1000);
  }

  /** Take one token; false when the bucket is dry. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whether the bucket would be full at `now` (nothing to remember about its owner). */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
  }
}

/**
 * The buckets of identities (or remote addresses, for anonymous clients), one per principal however
 * many sessions and connections it has, each shared by the connections that hold it. A bucket with
 * no holder is forgotten once it is full again, so idle principals cost nothing.
 */
export class PrincipalBuckets {
  private readonly held = new Map<string, { readonly bucket: TokenBucket; holders: number }>();

  constructor(private readonly limit: RateLimitOptions) {}

  /** The bucket of `principal`, held until {@link release}. */
  hold(principal: string, now: number): TokenBucket {
    let entry = this.held.get(principal);
    if (!entry) {
      entry = { bucket: new TokenBucket(this.limit.perSecond, this.limit.burst, now), holders: 0 };
      this.held.set(principal, entry);
    }
    entry.holders++;
    return entry.bucket;
  }

  release(principal: string): void {
    const entry = this.held.get(principal);
    if (entry && entry.holders > 0) entry.holders--;
  }

  /** Forget buckets nobody holds that have refilled. */
  sweep(now: number): void {
    for (const [principal, entry] of this.held) if (entry.holders === 0 && entry.bucket.full(now)) this.held.delete(principal);
  }
}

/** Connections held per remote address, for `maxConnectionsPerAddress`. */
export class AddressCounts {
  private readonly counts = new Map<string, number>();

  /** Count one more connection of `address`; false (and nothing counted) when it already has `max`. */
  admit(address: string, max: number): boolean {
    const n = this.counts.get(address) ?? 0;
    if (n >= max) return false;
    this.counts.set(address, n + 1);
    return true;
  }

  release(address: string): void {
    const n = (this.counts.get(address) ?? 0) - 1;
    if (n > 0) this.counts.set(address, n);
    else this.counts.delete(address);
  }
}
