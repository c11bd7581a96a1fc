// Writes every change of every live session to the session store: batched per turn, one write in flight per session, callbacks once durable.

import { attempt, platform } from '@lifeline/core';
import type { SessionChange } from './record.js';
import type { LiveSession } from './session.js';
import type { SessionStore } from './store.js';

/** Runs once everything recorded for `session` before it was registered is durable. */
export type AfterDurable = (session: LiveSession) => void;

/**
 * What one session changed since its last write, collapsed: lifecycle changes in order, the highest
 * ack and receive, and the range of seqs appended (their frames are read from the session at flush).
 */
export interface Batch {
  lifecycle: SessionChange[] | undefined;
  ack: number;
  received: number;
  appendedFrom: number;
  appendedTo: number;
  deleted: boolean;
  /** The first callback, and any more (most batches have exactly one). */
  after: AfterDurable | undefined;
  afters: AfterDurable[] | undefined;
}

/** Most batches (and slots) kept for reuse: about 2 MiB of memory at most. */
const POOL = 16_384;

/** What the journal needs from the engine. */
export interface JournalDeps {
  readonly store: SessionStore;
  /** This node's id: the writer of every change. */
  readonly node: string;
  /** The store rejected a batch: these sessions' changes may not be durable. */
  failed(sessions: readonly LiveSession[], error: unknown): void;
  /** An after-callback threw. */
  report(error: unknown, context: string): void;
}

/**
 * A session's place in the journal while it has writes pending: the batch being written and the one
 * collecting changes meanwhile. The session holds it (`trackWrites`), so finding it costs no lookup:
 * a Map from sessions to slots, filled and emptied by every broadcast, cost more than the writes.
 */
export interface WriteSlot {
  session: LiveSession;
  queued: Batch | undefined;
  flight: Batch | undefined;
}
type Slot = WriteSlot;

/**
 * The write-behind log between live sessions and the store. What sessions change in one synchronous
 * run goes to the store in one `write` at the end of it, one session's changes collapsed (an append
 * per batch, the highest ack and receive only); a session has at most one write in flight, so a
 * store that answers slowly or out of order can never reorder a session's changes. When a session's
 * batch is durable the journal tells the session (`persisted`) and runs the callbacks registered for
 * it, in order; with a store in this process (`inProcess`) they run at once, since waiting for it could
 * not change what any peer sees. Idle sessions cost nothing; batches are reused, since a broadcast makes one per session.
 */
export class Journal {
  /** Sessions with writes pending. */
  private tracked = 0;
  /** Slots with a queued batch and nothing in flight: the next flush writes them. */
  private ready: Slot[] = [];
  /**
   * Batches and slots kept for reuse, up to {@link POOL} of each (a broadcast makes one of each per
   * session, so a pool smaller than the sessions of one broadcast would allocate anew every time).
   */
  private readonly spare: Batch[] = [];
  private readonly spareSlots: Slot[] = [];
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];
  private readonly flushNow = (): void => this.flush();

  /** The store lives in this process (see {@link SessionStore.inProcess}): nothing waits for its writes. */
  private readonly inProcess: boolean;

  constructor(private readonly deps: JournalDeps) {
    this.inProcess = deps.store.inProcess === true;
  }

  /** Sessions with changes waiting or being written. */
  get pending(): number {
    return this.tracked;
  }

  /** A new session (its record, attached to this node). */
  created(session: LiveSession): void {
    this.lifecycle(session, { op: 'create', record: session.toRecord(this.deps.node) });
  }

  /** This node attached a connection to the session (a resume): it owns the record now. */
  attached(session: LiveSession): void {
    this.lifecycle(session, { op: 'attach', id: session.id, owner: this.deps.node });
  }

  /** The session's token was rotated, or the client confirmed the current one. */
  tokenChanged(session: LiveSession): void {
    const previous = session.pendingToken;
    this.lifecycle(session, { op: 'token', id: session.id, token: session.token, ...(previous !== undefined ? { previousToken: previous } : {}) });
  }

  /** The session's connection left at `at`; the record may go at `expiresAt`. */
  detached(session: LiveSession, at: number, expiresAt: number): void {
    this.lifecycle(session, { op: 'detach', id: session.id, at, expiresAt });
  }

  /** Server message `seq` (the session's next) was assigned and kept; `then` runs once it is durable. */
  appended(session: LiveSession, seq: number, then?: AfterDurable): void {
    const batch = this.batch(session);
    if (batch.appendedFrom === 0) batch.appendedFrom = seq;
    batch.appendedTo = seq;
    if (this.inProcess) {
      session.persisted(seq, 0);
      if (then) this.run(then, session);
    } else if (then) addAfter(batch, then);
  }

  /** The client acknowledged server messages up to `seq`. */
  acked(session: LiveSession, seq: number): void {
    const batch = this.batch(session);
    if (seq > batch.ack) batch.ack = seq;
  }

  /** Client messages up to `seq` were received; `then` runs once that is durable. */
  received(session: LiveSession, seq: number, then?: AfterDurable): void {
    const batch = this.batch(session);
    if (seq > batch.received) batch.received = seq;
    if (this.inProcess) {
      session.persisted(0, seq);
      if (then) this.run(then, session);
    } else if (then) addAfter(batch, then);
  }

  /** The session ended for good. */
  deleted(session: LiveSession): void {
    this.batch(session).deleted = true;
  }

  /**
   * Run `fn(session)` once everything recorded for `session` so far is durable: now, when nothing
   * is pending for it. A callback already registered for the same batch is not added twice.
   */
  after(session: LiveSession, fn: AfterDurable): void {
    const slot = this.inProcess ? undefined : session.writes;
    const batch = slot?.queued ?? slot?.flight;
    if (batch) addAfter(batch, fn);
    else this.run(fn, session);
  }

  /** Resolves once nothing is waiting or being written (for a drain). */
  idle(): Promise<void> {
    if (this.tracked === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private batch(session: LiveSession): Batch {
    let slot = session.writes;
    if (!slot) {
      slot = this.spareSlots.pop() ?? { session, queued: undefined, flight: undefined };
      slot.session = session;
      session.trackWrites(slot);
      this.tracked++;
    }
    if (slot.queued) return slot.queued;
    const batch = this.spare.pop() ?? { lifecycle: undefined, ack: 0, received: 0, appendedFrom: 0, appendedTo: 0, deleted: false, after: undefined, afters: undefined };
    slot.queued = batch;
    if (!slot.flight) {
      this.ready.push(slot);
      this.schedule();
    }
    return batch;
  }

  private lifecycle(session: LiveSession, change: SessionChange): void {
    const batch = this.batch(session);
    if (batch.lifecycle) batch.lifecycle.push(change);
    else batch.lifecycle = [change];
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    platform.queueMicrotask(this.flushNow);
  }

  private flush(): void {
    this.scheduled = false;
    const slots = this.ready;
    if (slots.length === 0) return;
    this.ready = [];
    const changes: SessionChange[] = [];
    for (const slot of slots) {
      const batch = slot.queued;
      if (!batch) continue;
      slot.flight = batch;
      slot.queued = undefined;
      changesOf(slot.session, batch, changes);
    }
    attempt(() => this.deps.store.write(this.deps.node, changes)).then(
      () => this.durable(slots),
      (error: unknown) => this.failed(slots, error),
    );
  }

  private durable(slots: readonly Slot[]): void {
    for (const slot of slots) {
      const batch = slot.flight;
      if (!batch) continue;
      const session = slot.session;
      slot.flight = undefined;
      this.release(slot);
      session.persisted(batch.appendedTo, batch.received);
      const { after, afters } = batch;
      this.recycle(batch);
      if (after) this.run(after, session);
      if (afters) for (const fn of afters) this.run(fn, session);
    }
    this.settled();
  }

  private failed(slots: readonly Slot[], error: unknown): void {
    for (const slot of slots) {
      slot.flight = undefined;
      slot.queued = undefined; // what follows a failed write is not written either
      this.untrack(slot);
    }
    try {
      this.deps.failed(slots.map((slot) => slot.session), error);
    } catch (thrown) {
      this.deps.report(thrown, 'store failure handling failed');
    }
    this.settled();
  }

  /** A slot whose write finished: next batch ready, or the session leaves the journal. */
  private release(slot: Slot): void {
    if (slot.queued) return void this.ready.push(slot);
    this.untrack(slot);
    if (this.spareSlots.length < POOL) this.spareSlots.push(slot);
  }

  private untrack(slot: Slot): void {
    if (slot.session.writes !== slot) return;
    slot.session.trackWrites(undefined);
    this.tracked--;
  }

  private recycle(batch: Batch): void {
    batch.lifecycle = undefined;
    batch.ack = 0;
    batch.received = 0;
    batch.appendedFrom = 0;
    batch.appendedTo = 0;
    batch.deleted = false;
    batch.after = undefined;
    batch.afters = undefined;
    if (this.spare.length < POOL) this.spare.push(batch);
  }

  private settled(): void {
    if (this.ready.length > 0) this.flush();
    if (this.tracked > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private run(fn: AfterDurable, session: LiveSession): void {
    try {
      fn(session);
    } catch (error) {
      this.deps.report(error, 'an after-write step threw');
    }
  }
}

function addAfter(batch: Batch, fn: AfterDurable): void {
  if (batch.after === undefined) batch.after = fn;
  else if (batch.after === fn) return;
  else if (!batch.afters) batch.afters = [fn];
  else if (!batch.afters.includes(fn)) batch.afters.push(fn);
}

/** A batch as store changes: lifecycle first (`create` before anything), then ack, receive, append, and `delete` last. */
function changesOf(session: LiveSession, batch: Batch, out: SessionChange[]): void {
  const id = session.id;
  if (batch.lifecycle) for (const change of batch.lifecycle) out.push(change);
  if (batch.deleted) {
    out.push({ op: 'delete', id });
    return;
  }
  if (batch.ack > 0) out.push({ op: 'ack', id, seq: batch.ack });
  if (batch.received > 0) out.push({ op: 'receive', id, seq: batch.received });
  if (batch.appendedTo > 0) out.push({ op: 'append', id, frames: session.unacked(batch.appendedFrom - 1, batch.appendedTo) });
}
