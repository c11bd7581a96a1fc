// The unacknowledged server messages of one live session, kept for replay until a cumulative ack covers them.

import type { UnackedFrame } from './record.js';

/** Settles the `send()` promise of one message. */
export interface Settle {
  resolve(): void;
  reject(error: Error): void;
}

/** One sent-but-unacknowledged message, already encoded, with the promise waiting for its ack. */
export interface ReplayEntry extends UnackedFrame {
  /** UTF-8 bytes of `frame`. */
  readonly bytes: number;
  readonly settle: Settle | undefined;
}

/** Entries in seq order, and seqs contiguous (each push is the next seq); counts and bytes are tracked for the session bounds. */
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

  push(entry: ReplayEntry): void {
    this.entries.push(entry);
    this.totalBytes += entry.bytes;
  }

  /** Drop every entry with seq ≤ `seq`; returns their settles, for the caller to resolve. */
  release(seq: number): Settle[] {
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
    return resolved;
  }

  /** Entries with `after` < seq ≤ `upTo`, in order: found by index, since seqs are contiguous. */
  *range(after: number, upTo: number): Generator<ReplayEntry> {
    const first = this.entries[this.head];
    if (first === undefined) return;
    for (let i = this.head + Math.max(0, after + 1 - first.seq); i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry === undefined || entry.seq > upTo) return;
      yield entry;
    }
  }

  /** Empty the buffer, handing back every pending settle (for the caller to reject). */
  clear(): Settle[] {
    const pending: Settle[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const settle = this.entries[i]?.settle;
      if (settle) pending.push(settle);
    }
    this.entries = [];
    this.head = 0;
    this.totalBytes = 0;
    return pending;
  }
}
