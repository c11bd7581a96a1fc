// The sessions this node holds: the registry, create and adopt, attach and detach, expiry, and the one end funnel.

import { Emitter } from '@lifeline/core';
import { CloseCode } from '@lifeline/protocol';
import type { ConnState } from './connection.js';
import type { Counters } from './counters.js';
import type { Journal } from './journal.js';
import type { ResolvedOptions } from './options.js';
import { TokenBucket } from './rate-limit.js';
import type { SessionRecord } from './record.js';
import { SessionHandle, SendError, type Session, type SessionEndReason, type SessionPort } from './session-view.js';
import { LiveSession, type SessionTransition } from './session.js';
import type { Wire } from './wire.js';

/** What the registry needs from the engine. */
export interface SessionsDeps {
  readonly options: Pick<ResolvedOptions, 'resumeWindow' | 'generateId' | 'rateLimit'>;
  readonly node: string;
  readonly clock: { now(): number };
  readonly counters: Pick<Counters, 'sessionsCreated' | 'sessionsEnded'>;
  readonly journal: Journal;
  readonly wire: Wire;
  readonly port: SessionPort;
  /** A lifecycle listener threw. */
  report(error: unknown, context: string): void;
}

/** What the registry tells its listeners (admission, features, then the engine's `sessionclose`). */
export type SessionLifecycle = {
  /** This node started holding the session (created or adopted). */
  held: [session: LiveSession];
  /** A connection carries the session (again). */
  attached: [session: LiveSession];
  /** The session's connection left; it waits for a resume. */
  detached: [session: LiveSession];
  /** This node stopped holding the session, whether anyone was told (see `ended`). */
  released: [session: LiveSession];
  /** This node stopped holding a session the application knew of (see {@link SessionEndReason}). */
  ended: [session: LiveSession, reason: SessionEndReason];
};

const KEPT_RECORD: ReadonlySet<SessionEndReason> = new Set(['moved', 'store-failed', 'shutdown']);

/**
 * Every session this node holds, attached or detached, by id. Sessions end through
 * {@link Sessions.end} only, once: it forgets the session, deletes its record unless it lives on
 * elsewhere (`moved`, `store-failed`, `shutdown`), closes its connection and rejects its pending sends.
 */
export class Sessions {
  private readonly byId = new Map<string, LiveSession>();
  private readonly onTransition = (s: LiveSession, change: SessionTransition): void => this.transitioned(s, change);
  private readonly makeView = (s: LiveSession): Session => new SessionHandle(s, this.deps.port);
  /** Lifecycle events, to listeners in their order of registration. */
  readonly lifecycle: Emitter<SessionLifecycle>;

  constructor(private readonly deps: SessionsDeps) {
    this.lifecycle = new Emitter((error, event) => deps.report(error, `a '${String(event)}' session listener threw`));
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): LiveSession | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<LiveSession> {
    return this.byId.values();
  }

  /**
   * A new session for `identity` (counted against `principal`), carried by `c`; its record is created
   * in the store. The connection's rate bucket becomes the session's.
   */
  create(identity: string, principal: string, c: ConnState): LiveSession {
    const { generateId } = this.deps.options;
    let id = generateId();
    for (let tries = 0; this.byId.has(id) && tries < 8; tries++) id = generateId();
    if (this.byId.has(id)) throw new Error('generateId keeps returning ids in use');
    const s = new LiveSession(id, generateId(), identity, principal, c.bucket, { lastSent: 0, acked: 0, lastReceived: 0 }, this.onTransition, this.makeView);
    this.hold(s);
    this.deps.counters.sessionsCreated++;
    this.deps.journal.created(s);
    s.attach(c, 'new');
    c.carry(s);
    this.lifecycle.emit('attached', s);
    return s;
  }

  /** Hold a session resumed from the store (another node's, or one left behind by a restart), carried by `c`. */
  adopt(record: SessionRecord, principal: string, c: ConnState, bytes: (frame: string) => number): LiveSession {
    const { perSecond, burst } = this.deps.options.rateLimit;
    const bucket = new TokenBucket(perSecond, burst, this.deps.clock.now());
    const s = new LiveSession(record.id, record.token, record.identity, principal, bucket, record, this.onTransition, this.makeView);
    s.adopt(record, bytes);
    this.hold(s);
    this.attach(s, c, 'adopted');
    return s;
  }

  /** Carry a detached session on `c` (a resume); this node becomes its owner. */
  attach(s: LiveSession, c: ConnState, reason: string): boolean {
    if (!s.attach(c, reason)) return false;
    c.carry(s);
    this.deps.journal.attached(s);
    this.lifecycle.emit('attached', s);
    return true;
  }

  /** `c` left: its session (if any) waits for a resume. */
  detach(c: ConnState, reason: string): void {
    const s = c.session;
    c.carry(undefined);
    s?.detach(c, this.deps.clock.now(), reason);
  }

  /** The end funnel: idempotent. */
  end(s: LiveSession, reason: SessionEndReason, code: number = CloseCode.Normal, text: string = reason): void {
    this.finish(s, reason, code, text, true);
  }

  /** A fresh session whose connection left before its welcome: nobody can resume it, and nobody heard of it. */
  discard(s: LiveSession): void {
    this.finish(s, 'closed', CloseCode.Normal, 'closed', false);
  }

  /** End every detached session whose resume window passed. */
  expire(now: number): void {
    const window = this.deps.options.resumeWindow;
    // A Map iterator tolerates the deletions an expiry makes: no copy per tick.
    for (const s of this.byId.values()) {
      const at = s.detachedAt;
      if (s.state === 'detached' && at !== undefined && now - at >= window) this.end(s, 'expired');
    }
  }

  /** After a stall of the server itself, push every detach time back by its length. */
  forgiveStall(now: number, stall: number): void {
    for (const s of this.byId.values()) s.forgiveStall(now, stall);
  }

  private hold(s: LiveSession): void {
    this.byId.set(s.id, s);
    this.lifecycle.emit('held', s);
  }

  private finish(s: LiveSession, reason: SessionEndReason, code: number, text: string, announce: boolean): void {
    if (s.state === 'ended') return;
    const error = new SendError(reason === 'overflow' || reason === 'moved' || reason === 'store-failed' ? reason : 'session-ended', `session ended: ${reason}`);
    const conn = s.end(reason, error);
    if (this.byId.get(s.id) === s) this.byId.delete(s.id);
    this.lifecycle.emit('released', s);
    this.deps.counters.sessionsEnded++;
    if (!KEPT_RECORD.has(reason)) this.deps.journal.deleted(s);
    if (conn) this.deps.wire.close(conn, code, text);
    if (announce) this.lifecycle.emit('ended', s, reason);
  }

  private transitioned(s: LiveSession, change: SessionTransition): void {
    if (change.to !== 'detached') return;
    const at = s.detachedAt ?? this.deps.clock.now();
    this.deps.journal.detached(s, at, at + this.deps.options.resumeWindow);
    this.lifecycle.emit('detached', s);
  }
}
