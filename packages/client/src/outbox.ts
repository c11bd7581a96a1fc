// Unacknowledged client-to-server messages keyed by seq, with their promises, bounded by count and bytes.

import { encode, type Json } from '@lifeline/protocol';
import { LifelineError } from './errors.js';
import { utf8ByteLength } from '@lifeline/core';

/** One message waiting for the server's cumulative ack. */
export interface OutboxEntry {
  readonly seq: number;
  readonly key: string;
  readonly data: Json;
  /** The encoded `msg` frame, ready to write. */
  readonly frame: string;
  /** UTF-8 bytes of `frame`. */
  readonly bytes: number;
  /** What it is besides data: a publication to a channel, or an RPC call. */
  readonly target?: MessageTarget;
}

/** A client message that is a publication (`ch`) or an RPC call (`call`, its key the call id). */
export type MessageTarget = { readonly ch: string } | { readonly call: string };

interface Pending extends OutboxEntry {
  readonly resolve: () => void;
  readonly reject: (error: LifelineError) => void;
  /** The server refused it for good: the ack that covers it rejects the send with this. */
  refusal?: LifelineError;
}

/** Encode a client `msg` frame and measure it. */
export function encodeEntry(seq: number, key: string, data: Json, target?: MessageTarget): { frame: string; bytes: number } {
  const frame = encode({ t: 'msg', seq, data, key, ...target });
  return { frame, bytes: utf8ByteLength(frame) };
}

/**
 * The client's outbox: every message from `add()` until the server acks it (resolved), or the client
 * gives up on it (rejected). Sequence numbers are contiguous and grow by one per message; a fresh
 * session renumbers the survivors from 1. A message that does not fit is refused, never dropped.
 */
export class Outbox {
  private entries: Pending[] = [];
  private totalBytes = 0;
  private next = 1;

  constructor(private readonly limits: { readonly maxMessages: number; readonly maxBytes: number }) {}

  /** Messages waiting for an ack. */
  get size(): number {
    return this.entries.length;
  }

  /** Bytes of the frames waiting for an ack. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** The seq the next message will get. */
  get nextSeq(): number {
    return this.next;
  }

  /** Whether a frame of `bytes` would fit now. */
  fits(bytes: number): boolean {
    return this.entries.length < this.limits.maxMessages && this.totalBytes + bytes <= this.limits.maxBytes;
  }

  /** Append a message already encoded with seq {@link nextSeq}; the caller checked {@link fits}. */
  add(entry: OutboxEntry, resolve: () => void, reject: (error: LifelineError) => void): void {
    if (entry.seq !== this.next) throw new RangeError(`Outbox: expected seq ${this.next}, got ${entry.seq}`);
    this.entries.push({ ...entry, resolve, reject });
    this.totalBytes += entry.bytes;
    this.next++;
  }

  /** The waiting messages, oldest first. */
  pending(): readonly OutboxEntry[] {
    return this.entries;
  }

  /** A cumulative ack: settle and remove every message with seq <= `seq` (refused ones reject). Returns how many. */
  ack(seq: number): number {
    let n = 0;
    while (n < this.entries.length && (this.entries[n]?.seq ?? Infinity) <= seq) n++;
    if (n === 0) return 0;
    const done = this.entries.splice(0, n);
    for (const entry of done) {
      this.totalBytes -= entry.bytes;
      if (entry.refusal) entry.reject(entry.refusal);
      else entry.resolve();
    }
    return n;
  }

  /** The server refused message `seq` for good: the ack that covers it rejects its send with `error`. */
  refuse(seq: number, error: LifelineError): boolean {
    const first = this.entries[0];
    const entry = first ? this.entries[seq - first.seq] : undefined;
    if (!entry || entry.seq !== seq) return false;
    entry.refusal = error;
    return true;
  }

  /**
   * A fresh session: number the waiting messages 1, 2, … again, keeping their keys so the server
   * can still deduplicate them. Messages whose new frame `tooLarge` reports are rejected first.
   */
  renumber(tooLarge: (bytes: number) => LifelineError | undefined): void {
    const old = this.entries;
    this.entries = [];
    this.totalBytes = 0;
    this.next = 1;
    for (const entry of old) {
      const { frame, bytes } = encodeEntry(this.next, entry.key, entry.data, entry.target);
      const error = tooLarge(bytes);
      if (error) {
        entry.reject(error);
        continue;
      }
      this.entries.push({ ...entry, seq: this.next, frame, bytes });
      this.totalBytes += bytes;
      this.next++;
    }
  }

  /** Reject and remove every waiting message. Numbering goes on (a fresh welcome renumbers). */
  rejectAll(error: LifelineError): void {
    const old = this.entries;
    this.entries = [];
    this.totalBytes = 0;
    for (const entry of old) entry.reject(error);
  }
}
