// The dedupe store seam: idempotency keys applied per identity, claimed atomically in batches with a payload fingerprint, and the in-memory default.

/**
 * The outcome of claiming one idempotency key: first application (`claimed`); applied before within
 * the window with the same payload (`duplicate`: acked, not delivered again); applied before with a
 * different payload (`conflict`: refused); or no room (`full`: refused): the quota holds its bound of
 * keys and none of them is settled, or the store is full. Another quota's key is never forgotten to
 * make room.
 */
export type ClaimResult = 'claimed' | 'duplicate' | 'conflict' | 'full';

/** One key to claim, with a fingerprint of the payload it came with. */
export interface DedupeClaim {
  readonly key: string;
  /** Equal payloads give equal fingerprints (see `fingerprint()`). */
  readonly fingerprint: string;
}

/**
 * Where applied idempotency keys live, per identity, for the dedupe window. The engine claims the
 * keys of one read's messages of one session in one call and hands a message to the application
 * only when its key was `claimed`; the ack to the client follows the claim. A remote store (Redis)
 * implements `claim` as one atomic check-and-set per key, pipelined, with a bound per identity.
 */
export interface DedupeStore {
  /**
   * For each claim in order: new for `identity` (then remembered with its fingerprint from `now`
   * for the window), a duplicate or a conflict of a key applied within the window before `now`, or
   * `full` when `quota` already holds its bound of live keys. A key repeated within one call is
   * `claimed` once, then `duplicate` (or `conflict`). `quota` is whom the bound is counted against:
   * the identity itself, or the remote address of an anonymous client (all of whom share one
   * identity). @default quota = identity
   */
  claim(identity: string, claims: readonly DedupeClaim[], now: number, quota?: string): Promise<readonly ClaimResult[]>;
  /**
   * The client has certainly read the acks of the messages that carried `keys` (claimed for
   * `identity`, counted against `quota`), so the client library will never resend them. They stay
   * duplicates for the window, but when `quota` is at its bound its oldest settled keys may be
   * forgotten to make room for its new ones, while keys not settled never are. Optional: a store
   * without it treats every key as unsettled. @default quota = identity
   */
  settle?(identity: string, keys: readonly string[], quota?: string): Promise<void> | void;
  /** Forget keys applied before `now - window`. Called on every sweep tick; optional. */
  sweep?(now: number): Promise<void> | void;
  /** Keys remembered now, when the store can tell cheaply (for `stats()`). */
  readonly size?: number;
}
