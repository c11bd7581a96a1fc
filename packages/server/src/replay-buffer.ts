// The unacknowledged server messages of one session, kept for replay until a cumulative ack covers them.

/** Settles the `send()` promise of one message. */
export interface Settle {
  resolve(): void;
  reject(error: Error): void;
}

/** One sent-but-unacknowledged message, already encoded. */
export interface ReplayEntry {
  readonly seq: number;
  readonly text: string;
  readonly bytes: number;
  readonly settle: Settle | undefined;
}

/** Entries in seq order; counts and bytes are tracked for the session bounds. */
export class ReplayBuffer {
  private entries: ReplayEntry[] = [];
  private head = 0;
  private totalBytes = 0;

  get count(): number {
    return this.entries.length - this.head;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** The lowest seq still held, or undefined when empty. */
  get firstSeq(): number | undefined {
    return this.entries[this.head]?.seq;
  }

  push(entry: ReplayEntry): void {
    this.entries.push(entry);
    this.totalBytes += entry.bytes;
  }

  /** Drop and resolve every entry with seq ≤ `seq`. */
  release(seq: number): void {
    const resolved: Settle[] = [];
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head];
      if (entry === undefined || entry.seq > seq) break;
      this.head++;
      this.totalBytes -= entry.bytes;
      if (entry.settle) resolved.push(entry.settle);
    }
    // Compact once the dead prefix dominates, so release stays amortised O(1).
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    for (const s of resolved) s.resolve();
  }

  /** Entries with seq > `seq`, in order. */
  *after(seq: number): Generator<ReplayEntry> {
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry !== undefined && entry.seq > seq) yield entry;
    }
  }

  /** Empty the buffer, rejecting every pending send with `error`. */
  rejectAll(error: Error): void {
    const pending = this.entries.slice(this.head);
    this.entries = [];
    this.head = 0;
    this.totalBytes = 0;
    for (const entry of pending) entry.settle?.reject(error);
  }
}
