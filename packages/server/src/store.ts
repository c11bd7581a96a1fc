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
   * True for a store in this process whose writes cannot fail and whose data dies with the process
   * (the in-memory store): no peer can observe the order of a frame and its write, so the engine
   * writes frames and acks at once instead of after each write resolves (one pass per broadcast, not
   * three). A store another process can read, or whose writes can fail, must leave it unset.
   * @default false
   */
  readonly inProcess?: boolean;
  /**
   * Forget records whose `expiresAt` has passed. Called on every sweep tick; a store that expires
   * records by itself (Redis TTLs) need not implement it.
   */
  sweep?(now: number): Promise<void> | void;
}

/**
 * The in-memory store's own copy of a record, flat (one object per session: idle sessions are most
 * of them), its unacked frames a queue with a head, allocated on the first frame.
 */
class Stored {
  token: string;
  previousToken: string | undefined;
  lastSent: number;
  acked: number;
  lastReceived: number;
  owner: string;
  detachedAt: number | undefined;
  expiresAt: number | undefined;
  unacked: Array<UnackedFrame | undefined> | undefined;
  head = 0;

  constructor(
    readonly id: string,
    readonly identity: string,
    record: SessionRecord,
  ) {
    this.token = record.token;
    this.previousToken = record.previousToken;
    this.lastSent = record.lastSent;
    this.acked = record.acked;
    this.lastReceived = record.lastReceived;
    this.owner = record.owner;
    this.detachedAt = record.detachedAt;
    this.expiresAt = record.expiresAt;
    this.unacked = record.unacked.length > 0 ? [...record.unacked] : undefined;
  }

  /** A copy for `load`: plain data the caller keeps. */
  toRecord(): SessionRecord {
    const unacked: UnackedFrame[] = [];
    const frames = this.unacked ?? [];
    for (let i = this.head; i < frames.length; i++) {
      const frame = frames[i];
      if (frame) unacked.push(frame);
    }
    const { id, token, previousToken, identity, lastSent, acked, lastReceived, owner, detachedAt, expiresAt } = this;
    const times = detachedAt !== undefined && expiresAt !== undefined ? { detachedAt, expiresAt } : {};
    const previous = previousToken !== undefined ? { previousToken } : {};
    return { id, token, ...previous, identity, lastSent, acked, lastReceived, owner, ...times, unacked };
  }
}

/**
 * The default store: records in a Map of this process, copied on the way in and out, so the engine
 * works against it exactly as against a remote store. Pass one instance to several engines in one
 * process and they resume each other's sessions.
 */
export class InMemorySessionStore implements SessionStore {
  /** Its writes apply before they return and never fail. */
  readonly inProcess = true;
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
    return Promise.resolve(stored.toRecord());
  }

  write(node: string, changes: readonly SessionChange[]): Promise<void> {
    for (const change of changes) this.apply(node, change);
    return Promise.resolve();
  }

  sweep(now: number): void {
    for (const [id, stored] of this.sessions) if (expired(stored, now)) this.sessions.delete(id);
  }

  private apply(node: string, change: SessionChange): void {
    // `op` once, then fields by case: changes of different kinds have different shapes.
    if (change.op === 'create') {
      const { record } = change;
      this.sessions.set(record.id, new Stored(record.id, record.identity, record));
      return;
    }
    const r = this.sessions.get(change.id);
    if (!r || (change.op !== 'attach' && r.owner !== node)) return;
    switch (change.op) {
      case 'attach':
        r.owner = change.owner;
        r.detachedAt = undefined;
        r.expiresAt = undefined;
        return;
      case 'append': {
        // Immutable data, never the caller's live objects: kept as they are.
        const added = change.frames;
        const frames = r.unacked;
        if (frames === undefined) r.unacked = added.slice();
        else for (let i = 0; i < added.length; i++) frames.push(added[i]);
        const last = added[added.length - 1];
        if (last) r.lastSent = last.seq;
        return;
      }
      case 'ack': {
        if (change.seq <= r.acked) return;
        r.acked = change.seq;
        const frames = r.unacked;
        if (!frames) return;
        // Released slots are cleared at once: an acked frame is garbage as soon as it is acked.
        while (r.head < frames.length && (frames[r.head]?.seq ?? Infinity) <= change.seq) frames[r.head++] = undefined;
        if (r.head === frames.length) {
          frames.length = 0; // everything acked: reuse the array
          r.head = 0;
        } else if (r.head > 64 && r.head * 2 > frames.length) {
          // Compact once the dead prefix dominates, so acks stay amortised O(1).
          r.unacked = frames.slice(r.head);
          r.head = 0;
        }
        return;
      }
      case 'receive':
        if (change.seq > r.lastReceived) r.lastReceived = change.seq;
        return;
      case 'token':
        r.token = change.token;
        r.previousToken = change.previousToken;
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
  const until = stored.expiresAt;
  return until !== undefined && until <= now;
}
