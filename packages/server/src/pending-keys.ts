// The idempotency keys of a session's messages whose acks the client may not have read yet.

/** A ping goes out early once a session holds this many keys waiting for confirmation. */
export const KEYS_BEFORE_PING = 256;

/**
 * Keys in seq order. Once a pong answers a ping written after the ack of seq n (frames arrive in
 * order), the client has read that ack and its library will never resend messages up to n: their keys
 * are settled in the dedupe store, which may then recycle them first (see `DedupeStore.settle`).
 */
export class PendingKeys {
  private seqs: number[] = [];
  private keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** The message `seq` carried `key` (claimed now, or a duplicate of an earlier claim). */
  add(seq: number, key: string): void {
    this.seqs.push(seq);
    this.keys.push(key);
  }

  /** Take the keys of messages up to `seq`, oldest first. */
  takeUpTo(seq: number): string[] {
    let n = 0;
    while (n < this.seqs.length && (this.seqs[n] ?? Infinity) <= seq) n++;
    if (n === 0) return [];
    this.seqs.splice(0, n);
    return this.keys.splice(0, n);
  }
}
