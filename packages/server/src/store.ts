// The session store seam: an asynchronous store of SessionRecords, and the in-memory default.

import type { SessionChange, SessionRecord, UnackedFrame } from './record.js';

/**
 * Where session records live. The engine keeps a session's live part (connection, pending promises)
 * in its own process and writes every change through this interface in batches, one `write` per
 * event-loop turn for all its sessions, with at most one write in flight per session. It reads a record
 * only to resume a session it does not hold (another node's, or one a restarted node left behind).
 * A remote store (Redis) implements the same calls; nothing here holds live objects.
 */
export interface SessionStore {
  /**
   * The record of session `id`, or undefined when the store does not hold it or it expired
   * (`expiresAt` ≤ `now`). The result is the caller's to keep: later writes must not change it.
   */
  load(id: string, now: number): Promise<SessionRecord | undefined>;
  /**
   * Apply `changes`, made by node `node`, in order; resolve once they are durable. A change other
   * than `create` and `attach` to a record owned by another node is ignored (fencing), as is a change
   * to a record the store does not hold. A rejection fails every session in the batch: their live
   * parts are dropped and their connections closed with 1011, so their clients resume from what the
   * store holds.
   */
  write(node: string, changes: readonly SessionChange[]): Promise<void>;
  /**
   * Forget records whose `expiresAt` has passed. Called on every sweep tick; a store that expires
   * records by itself (Redis TTLs) need not implement it.
   */
  sweep?(now: number): Promise<void> | void;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The in-memory store's own mutable copy of a record: the unacked frames are a queue with a head. */
interface Stored {
  readonly record: Mutable<Omit<SessionRecord, 'unacked'>>;
  unacked: UnackedFrame[];
  head: number;
}

/**
 * The default store: records in a Map of this process, copied on the way in and out, so the engine
 * works against it exactly as against a remote store. Pass one instance to several engines in one
 * process and they resume each other's sessions.
 */
export class InMemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Stored>();

  /** Records held now (attached or detached). */
  get size(): number {
    return this.sessions.size;
  }

  load(id: string, now: number): Promise<SessionRecord | undefined> {
    const stored = this.sessions.get(id);
    if (!stored) return Promise.resolve(undefined);
    if (expired(stored, now)) {
      this.sessions.delete(id);
      return Promise.resolve(undefined);
    }
    const { detachedAt, expiresAt, ...attached } = stored.record;
    const times = detachedAt !== undefined && expiresAt !== undefined ? { detachedAt, expiresAt } : {};
    return Promise.resolve({ ...attached, ...times, unacked: stored.unacked.slice(stored.head) });
  }

  write(node: string, changes: readonly SessionChange[]): Promise<void> {
    for (const change of changes) this.apply(node, change);
    return Promise.resolve();
  }

  sweep(now: number): void {
    for (const [id, stored] of this.sessions) if (expired(stored, now)) this.sessions.delete(id);
  }

  private apply(node: string, change: SessionChange): void {
    if (change.op === 'create') {
      const { unacked, ...record } = change.record;
      this.sessions.set(record.id, { record: { ...record }, unacked: unacked.map(copyFrame), head: 0 });
      return;
    }
    const stored = this.sessions.get(change.id);
    if (!stored || (change.op !== 'attach' && stored.record.owner !== node)) return;
    const r = stored.record;
    switch (change.op) {
      case 'attach':
        r.owner = change.owner;
        r.detachedAt = undefined;
        r.expiresAt = undefined;
        return;
      case 'append': {
        for (const frame of change.frames) stored.unacked.push(copyFrame(frame));
        const last = change.frames[change.frames.length - 1];
        if (last) r.lastSent = last.seq;
        return;
      }
      case 'ack': {
        if (change.seq <= r.acked) return;
        while (stored.head < stored.unacked.length && (stored.unacked[stored.head]?.seq ?? Infinity) <= change.seq) stored.head++;
        // Compact once the dead prefix dominates, so acks stay amortised O(1).
        if (stored.head > 64 && stored.head * 2 > stored.unacked.length) {
          stored.unacked = stored.unacked.slice(stored.head);
          stored.head = 0;
        }
        r.acked = change.seq;
        return;
      }
      case 'receive':
        if (change.seq > r.lastReceived) r.lastReceived = change.seq;
        return;
      case 'detach':
        r.detachedAt = change.at;
        r.expiresAt = change.expiresAt;
        return;
      case 'delete':
        this.sessions.delete(change.id);
        return;
    }
  }
}

function expired(stored: Stored, now: number): boolean {
  const until = stored.record.expiresAt;
  return until !== undefined && until <= now;
}

// Only the data: an entry handed in may be a richer object of the caller's.
function copyFrame(frame: UnackedFrame): UnackedFrame {
  return { seq: frame.seq, frame: frame.frame };
}
