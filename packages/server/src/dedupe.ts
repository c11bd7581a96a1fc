// Idempotency keys applied per identity, remembered for the dedupe window in a bounded store.

/**
 * Where applied idempotency keys live. The in-memory store is the default; a shared store (Redis)
 * would implement the same three calls.
 */
export interface DedupeStore {
  /** Whether `key` was applied for `identity` within the window before `now`. */
  has(identity: string, key: string, now: number): boolean;
  /** Remember that `key` was applied for `identity` at time `at`. */
  add(identity: string, key: string, at: number): void;
  /** Forget keys applied before `now - window`. Called by the engine's sweep. */
  sweep(now: number): void;
  /** Number of keys remembered. */
  readonly size: number;
}

/**
 * Keys in a Map in insertion (= time) order: expiry walks from the oldest and stops at the first live
 * key, and the count cap evicts the oldest first. Eviction is the honest trade-off of a bound: a key
 * evicted early can be applied twice, which `maxKeys` makes unlikely; the stats count evictions.
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

  has(identity: string, key: string, now: number): boolean {
    const at = this.keys.get(compose(identity, key));
    return at !== undefined && now - at < this.window;
  }

  add(identity: string, key: string, at: number): void {
    const k = compose(identity, key);
    this.keys.delete(k); // re-insert at the young end
    this.keys.set(k, at);
    while (this.keys.size > this.maxKeys) {
      const oldest = this.keys.keys().next();
      if (oldest.done === true) break;
      this.keys.delete(oldest.value);
      this.evicted++;
    }
  }

  sweep(now: number): void {
    for (const [k, at] of this.keys) {
      if (now - at < this.window) break;
      this.keys.delete(k);
    }
  }
}

// Length-prefixed, so no (identity, key) pair can collide with another.
function compose(identity: string, key: string): string {
  return `${identity.length}:${identity}\u0000${key}`;
}
