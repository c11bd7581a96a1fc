// The unacknowledged server messages of one live session, kept for replay until a cumulative ack covers them.

import type { UnackedFrame } from './record.js';

/** Settles the `send()` promise of one message. */
export interface Settle {
  resolve(): void;
  reject(error: Error): void;
}

/** One sent-but-unacknowledged message, already encoded: plain data, so a store may keep it as it is. */
export interface ReplayEntry extends UnackedFrame {
  /** UTF-8 bytes of `frame`. */
  readonly bytes: number;
}

/** The arrays of every empty buffer; never written (a push first gives the buffer its own). */
const EMPTY: never[] = [];

/**
 * Entries in seq order with contiguous seqs (each push is the next seq), so a seq is found by
 * index. The settles of pending `send()` promises sit in a parallel array, never on the entries:
 * an entry is data a store can hold, a settle is a live callback that stays in this process.
 */
export class ReplayBuffer {
  /** Released slots are cleared at once, so an acked frame is garbage as soon as it is acked. */
  private entries: Array<ReplayEntry | undefined> = EMPTY;
  private settles: Array<Settle | undefined> = EMPTY;
  private head = 0;
  private totalBytes = 0;

  get count(): number {
    return this.entries.length - this.head;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  push(entry: ReplayEntry, settle: Settle | undefined): void {
    // Arrays of their own on the first message: an idle session holds the shared empty one.
    if (this.entries === EMPTY) {
      this.entries = [];
      this.settles = [];
    }
    this.entries.push(entry);
    this.settles.push(settle);
    this.totalBytes += entry.bytes;
  }

  /** Drop every entry with seq ≤ `seq`; returns their settles, for the caller to resolve. */
  release(seq: number): Settle[] {
    const resolved: Settle[] = [];
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head];
      if (entry === undefined || entry.seq > seq) break;
      const settle = this.settles[this.head];
      if (settle) resolved.push(settle);
      this.entries[this.head] = undefined;
      this.settles[this.head] = undefined;
      this.head++;
      this.totalBytes -= entry.bytes;
    }
    if (this.head === this.entries.length) {
      // Everything acked: reuse the arrays (a busy session fills them again at once).
      this.entries.length = 0;
      this.settles.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      // Compact once the dead prefix dominates, so release stays amortised O(1).
      this.entries = this.entries.slice(this.head);
      this.settles = this.settles.slice(this.head);
      this.head = 0;
    }
    return resolved;
  }

  /** Index of the first entry with seq > `after` (the length when there is none). */
  indexAfter(after: number): number {
    const first = this.entries[this.head];
    if (first === undefined) return this.entries.length;
    return Math.min(this.entries.length, this.head + Math.max(0, after + 1 - first.seq));
  }

  /** The entry at index `i` (from {@link indexAfter}), if any. */
  at(i: number): ReplayEntry | undefined {
    return i >= this.head ? this.entries[i] : undefined;
  }

  /** Entries with `after` < seq ≤ `upTo`, in order, as a new array. */
  slice(after: number, upTo: number): ReplayEntry[] {
    const out: ReplayEntry[] = [];
    for (let i = this.indexAfter(after), e = this.at(i); e !== undefined && e.seq <= upTo; e = this.at(++i)) out.push(e);
    return out;
  }

  /** Empty the buffer, handing back every pending settle (for the caller to reject). */
  clear(): Settle[] {
    const pending: Settle[] = [];
    for (let i = this.head; i < this.settles.length; i++) {
      const settle = this.settles[i];
      if (settle) pending.push(settle);
    }
    this.entries = EMPTY;
    this.settles = EMPTY;
    this.head = 0;
    this.totalBytes = 0;
    return pending;
  }
}
