// The dedupe store seam: idempotency keys applied per identity, claimed atomically in batches, and the in-memory default.

/** The outcome of claiming one idempotency key: first application, or applied before within the window. */
export type ClaimResult = 'claimed' | 'duplicate';

/**
 * Where applied idempotency keys live, per identity, for the dedupe window. The engine claims the
 * keys of one read's messages of one session in one call and hands a message to the application
 * only when its key was `claimed`; the ack to the client follows the claim. A remote store (Redis)
 * implements `claim` as one atomic check-and-set per key, pipelined.
 */
export interface DedupeStore {
  /**
   * For each key in order, whether it is new for `identity` (then it is remembered from `now` for the
   * window) or was applied within the window before `now`. A key repeated within one call is
   * `claimed` once, then `duplicate`.
   */
  claim(identity: string, keys: readonly string[], now: number): Promise<readonly ClaimResult[]>;
  /** Forget keys applied before `now - window`. Called on every sweep tick; optional. */
  sweep?(now: number): Promise<void> | void;
  /** Keys remembered now, when the store can tell cheaply (for `stats()`). */
  readonly size?: number;
}

/**
 * Keys in a Map in insertion (= time) order: expiry walks from the oldest and stops at the first live
 * key, and the count cap evicts the oldest first. Eviction is the honest trade-off of a bound: a key
 * evicted early can be applied twice, which `maxKeys` makes unlikely; `evicted` counts it.
 */
export class InMemoryDedupeStore implements DedupeStore {
  private readonly keys = new Map<string, number>();
  /** Keys evicted by the count cap before their window ended. */
  evicted = 0;

  constructor(
    private readonly window: number,
    private readonly maxKeys: number,
  ) {}

  get size(): number {
    return this.keys.size;
  }

  claim(identity: string, keys: readonly string[], now: number): Promise<readonly ClaimResult[]> {
    return Promise.resolve(keys.map((key) => this.claimOne(identity, key, now)));
  }

  sweep(now: number): void {
    for (const [k, at] of this.keys) {
      if (now - at < this.window) break;
      this.keys.delete(k);
    }
  }

  private claimOne(identity: string, key: string, now: number): ClaimResult {
    const k = compose(identity, key);
    const at = this.keys.get(k);
    if (at !== undefined && now - at < this.window) return 'duplicate';
    this.keys.delete(k); // re-insert at the young end
    this.keys.set(k, now);
    while (this.keys.size > this.maxKeys) {
      const oldest = this.keys.keys().next();
      if (oldest.done === true) break;
      this.keys.delete(oldest.value);
      this.evicted++;
    }
    return 'claimed';
  }
}

// Length-prefixed, so no (identity, key) pair can collide with another.
function compose(identity: string, key: string): string {
  return `${identity.length}:${identity}\u0000${key}`;
}
