// Writes every change of every live session to the session store: batched per turn, one write in flight per session, callbacks once durable.

import { platform } from '@lifeline/core';
import type { SessionChange, UnackedFrame } from './record.js';
import type { LiveSession } from './session.js';
import type { SessionStore } from './store.js';

/** Runs once everything recorded for `session` before it was registered is durable. */
export type AfterDurable = (session: LiveSession) => void;

interface Batch {
  readonly changes: SessionChange[];
  readonly afters: AfterDurable[];
  /** Highest server seq appended, and highest client seq received, in this batch. */
  sent: number;
  received: number;
}

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
 * The write-behind log between live sessions and the store. Changes recorded in one synchronous run
 * go to the store in one `write` at the end of it (consecutive appends of a session merged); a
 * session has at most one write in flight, so a store that answers slowly or out of order can
 * never reorder a session's changes. When a session's batch is durable the journal tells the
 * session (`persisted`) and runs the callbacks registered for it, in order. Idle sessions cost nothing.
 */
export class Journal {
  private readonly queued = new Map<LiveSession, Batch>();
  private readonly inFlight = new Map<LiveSession, Batch>();
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];
  private readonly flushNow = (): void => this.flush();

  constructor(private readonly deps: JournalDeps) {}

  /** Batches waiting or being written. */
  get pending(): number {
    return this.queued.size + this.inFlight.size;
  }

  /** Record one change of `session`; it goes to the store at the end of this turn (or after the session's write in flight). */
  record(session: LiveSession, change: SessionChange): void {
    let batch = this.queued.get(session);
    if (!batch) {
      batch = { changes: [], afters: [], sent: 0, received: 0 };
      this.queued.set(session, batch);
    }
    const last = batch.changes[batch.changes.length - 1];
    if (change.op === 'append' && last?.op === 'append') {
      (last.frames as UnackedFrame[]).push(...change.frames);
    } else {
      batch.changes.push(change.op === 'append' ? { ...change, frames: [...change.frames] } : change);
    }
    if (change.op === 'append') batch.sent = change.frames[change.frames.length - 1]?.seq ?? batch.sent;
    else if (change.op === 'receive') batch.received = Math.max(batch.received, change.seq);
    this.schedule();
  }

  /**
   * Run `fn(session)` once everything recorded for `session` so far is durable: now, when nothing
   * is pending for it. A callback already registered for the same batch is not added twice.
   */
  after(session: LiveSession, fn: AfterDurable): void {
    const batch = this.queued.get(session) ?? this.inFlight.get(session);
    if (!batch) return this.run(fn, session);
    if (!batch.afters.includes(fn)) batch.afters.push(fn);
  }

  /** Whether `session` has changes waiting or being written. */
  busy(session: LiveSession): boolean {
    return this.queued.has(session) || this.inFlight.has(session);
  }

  /** Resolves once nothing is waiting or being written (for a drain). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    platform.queueMicrotask(this.flushNow);
  }

  private flush(): void {
    this.scheduled = false;
    const sessions: LiveSession[] = [];
    const batches: Batch[] = [];
    const changes: SessionChange[] = [];
    for (const [session, batch] of this.queued) {
      if (this.inFlight.has(session)) continue;
      this.queued.delete(session);
      this.inFlight.set(session, batch);
      sessions.push(session);
      batches.push(batch);
      for (const change of batch.changes) changes.push(change);
    }
    if (sessions.length === 0) return;
    let written: Promise<void>;
    try {
      written = this.deps.store.write(this.deps.node, changes);
    } catch (error) {
      written = Promise.reject(error);
    }
    written.then(
      () => this.durable(sessions, batches),
      (error: unknown) => this.failed(sessions, error),
    );
  }

  private durable(sessions: readonly LiveSession[], batches: readonly Batch[]): void {
    for (let i = 0; i < sessions.length; i++) {
      const session = sessions[i];
      const batch = batches[i];
      if (!session || !batch) continue;
      this.inFlight.delete(session);
      session.persisted(batch.sent, batch.received);
      for (const fn of batch.afters) this.run(fn, session);
    }
    this.settled();
  }

  private failed(sessions: readonly LiveSession[], error: unknown): void {
    for (const session of sessions) {
      this.inFlight.delete(session);
      this.queued.delete(session); // what follows a failed write is not written either
    }
    try {
      this.deps.failed(sessions, error);
    } catch (thrown) {
      this.deps.report(thrown, 'store failure handling failed');
    }
    this.settled();
  }

  private settled(): void {
    if (this.queued.size > 0) this.flush();
    if (this.pending > 0) return;
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
