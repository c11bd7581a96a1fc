// The channel history seam: each channel's epoch, offsets and bounded history, and the in-memory default.

import { base64url, secureRandomBytes, utf8ByteLength } from '@lifeline/core';
import { RecoveryFailure, type StreamPosition } from '@lifeline/protocol';

/** How much of a channel's past is kept: every bound applies; the oldest publications go first. */
export interface HistoryLimits {
  /** Most publications kept. 0 keeps none (positions still count). @default 1000 */
  readonly maxPublications: number;
  /** Most bytes of publication data kept. @default 1048576 (1 MiB) */
  readonly maxBytes: number;
  /** Milliseconds a publication is kept. @default 300000 (5 min) */
  readonly maxAge: number;
}

/** One publication as the history keeps it: its offset and its data, serialised. */
export interface StoredPublication {
  readonly offset: number;
  readonly data: string;
}

/**
 * What a read found: every publication after `since` in offset order (`recovered: true`), or why
 * they cannot all be had (all or nothing: never part of them). `epoch`/`offset` are the channel's
 * position now. Without `since` there is nothing to recover: `recovered` is undefined.
 */
export type HistoryRead =
  | { readonly epoch: string; readonly offset: number; readonly recovered: true; readonly publications: readonly StoredPublication[] }
  | { readonly epoch: string; readonly offset: number; readonly recovered: false; readonly reason: RecoveryFailure }
  | { readonly epoch: string; readonly offset: number; readonly recovered: undefined };

/**
 * Where channels' positions and histories live. `append` gives a publication the next offset of its
 * channel and keeps it within `limits`, atomically; `read` answers a subscriber that asks for what
 * it missed. History is a bounded cache, not a source of truth: a channel whose history is lost
 * begins a new epoch, and a subscriber from the old one is told it could not recover. A Redis store
 * implements both with a stream and a script (the epoch kept in Redis beside it).
 */
export interface ChannelHistory {
  /** Append `data` (serialised JSON) to `channel`; resolves with its position. */
  append(channel: string, data: string, limits: HistoryLimits, now: number): Promise<StreamPosition>;
  /** The channel's position now and, with `since`, everything after it or why not. */
  read(channel: string, since: StreamPosition | undefined, limits: HistoryLimits, now: number): Promise<HistoryRead>;
  /**
   * Forget what passed its age, and channels with nothing kept, not `inUse` and untouched (no append
   * or read) for `idle` ms: their next use begins a new epoch. Called on sweep ticks; optional.
   */
  sweep?(now: number, idle: number, inUse: (channel: string) => boolean): void;
  /** Channels held now, when the store can tell cheaply. */
  readonly size?: number;
}

interface Entry extends StoredPublication {
  readonly bytes: number;
  readonly time: number;
}

class ChannelLog {
  readonly entries: Entry[] = [];
  head = 0;
  offset = 0;
  bytes = 0;
  touched: number;

  constructor(
    readonly epoch: string,
    now: number,
    readonly maxAge: number,
  ) {
    this.touched = now;
  }

  trim(limits: HistoryLimits, now: number): void {
    const { entries } = this;
    const oldest = now - limits.maxAge;
    while (this.head < entries.length) {
      const e = entries[this.head] as Entry;
      const kept = entries.length - this.head;
      if (kept <= limits.maxPublications && this.bytes <= limits.maxBytes && e.time > oldest) break;
      this.bytes -= e.bytes;
      this.head++;
    }
    // Compact once the dropped head is the larger part, so trimming stays amortised O(1).
    if (this.head > 64 && this.head * 2 > entries.length) {
      entries.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The oldest offset still kept, or offset + 1 when nothing is. */
  get first(): number {
    const e = this.entries[this.head];
    return e ? e.offset : this.offset + 1;
  }
}

/**
 * The default history: channels in this process, trimmed on append and on sweep. Offsets are
 * assigned synchronously, so publications of one process are in offset order. A restart loses
 * everything, and every channel then begins a new epoch.
 */
export class InMemoryChannelHistory implements ChannelHistory {
  private readonly logs = new Map<string, ChannelLog>();

  constructor(private readonly newEpoch: () => string = () => base64url(secureRandomBytes(6))) {}

  get size(): number {
    return this.logs.size;
  }

  append(channel: string, data: string, limits: HistoryLimits, now: number): Promise<StreamPosition> {
    const log = this.log(channel, limits, now);
    log.offset++;
    log.touched = now;
    if (limits.maxPublications > 0) {
      const bytes = utf8ByteLength(data);
      log.entries.push({ offset: log.offset, data, bytes, time: now });
      log.bytes += bytes;
    }
    log.trim(limits, now);
    return Promise.resolve({ epoch: log.epoch, offset: log.offset });
  }

  read(channel: string, since: StreamPosition | undefined, limits: HistoryLimits, now: number): Promise<HistoryRead> {
    const log = this.log(channel, limits, now);
    log.touched = now;
    log.trim(limits, now);
    const { epoch, offset } = log;
    if (!since) return Promise.resolve({ epoch, offset, recovered: undefined });
    if (since.epoch !== epoch) return Promise.resolve({ epoch, offset, recovered: false, reason: RecoveryFailure.EpochChanged });
    if (since.offset > offset) return Promise.resolve({ epoch, offset, recovered: false, reason: RecoveryFailure.BadPosition });
    if (since.offset < log.first - 1) return Promise.resolve({ epoch, offset, recovered: false, reason: RecoveryFailure.HistoryTrimmed });
    const start = log.head + (since.offset + 1 - log.first);
    const publications = log.entries.slice(start).map(({ offset: o, data }) => ({ offset: o, data }));
    return Promise.resolve({ epoch, offset, recovered: true, publications });
  }

  sweep(now: number, idle: number, inUse: (channel: string) => boolean): void {
    for (const [channel, log] of this.logs) {
      log.trim({ maxPublications: Infinity, maxBytes: Infinity, maxAge: log.maxAge }, now);
      if (log.head >= log.entries.length && now - log.touched > idle && !inUse(channel)) this.logs.delete(channel);
    }
  }

  private log(channel: string, limits: HistoryLimits, now: number): ChannelLog {
    let log = this.logs.get(channel);
    if (!log) this.logs.set(channel, (log = new ChannelLog(this.newEpoch(), now, limits.maxAge)));
    return log;
  }
}
