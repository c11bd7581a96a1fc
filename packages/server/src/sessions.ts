// The sessions this node holds: the registry and identity index, attach and detach, the per-identity cap, expiry, and the one end funnel.

import { Emitter } from '@lifeline/core';
import { CloseCode } from '@lifeline/protocol';
import { SessionsByIdentity } from './by-identity.js';
import type { ConnState } from './connection.js';
import type { Counters } from './counters.js';
import type { Journal } from './journal.js';
import type { ResolvedOptions } from './options.js';
import type { SessionRecord } from './record.js';
import { SessionHandle, SendError, type Session, type SessionEndReason, type SessionPort } from './session-view.js';
import { LiveSession, type SessionTransition } from './session.js';
import type { Wire } from './wire.js';

/** What the registry needs from the engine. */
export interface SessionsDeps {
  readonly options: Pick<ResolvedOptions, 'resumeWindow' | 'maxSessionsPerIdentity' | 'capacityRetryAfter' | 'generateId'>;
  readonly node: string;
  readonly clock: { now(): number };
  readonly counters: Pick<Counters, 'sessionsCreated' | 'sessionsEnded'>;
  readonly journal: Journal;
  readonly wire: Wire;
  readonly port: SessionPort;
  /** A lifecycle listener threw. */
  report(error: unknown, context: string): void;
}

/** What the registry tells its listeners (features, then the engine's `sessionclose`). */
export type SessionLifecycle = {
  /** The session's connection left; it waits for a resume. */
  detached: [session: LiveSession];
  /** This node stopped holding the session (see {@link SessionEndReason}). */
  ended: [session: LiveSession, reason: SessionEndReason];
};

const KEPT_RECORD: ReadonlySet<SessionEndReason> = new Set(['moved', 'store-failed', 'shutdown']);

/**
 * Every session this node holds, attached or detached, by id and by identity. Sessions end through
 * {@link Sessions.end} only, once: it forgets the session, deletes its record unless it lives on
 * elsewhere (`moved`, `store-failed`, `shutdown`), closes its connection and rejects its pending sends.
 */
export class Sessions {
  private readonly byId = new Map<string, LiveSession>();
  private readonly byIdentity = new SessionsByIdentity();
  private readonly onTransition = (s: LiveSession, change: SessionTransition): void => this.transitioned(s, change);
  private readonly makeView = (s: LiveSession): Session => new SessionHandle(s, this.deps.port);
  /** Detaches and ends, in that order of registration. */
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

  /** A new session for `identity`, carried by `c`; its record is created in the store. */
  create(identity: string, c: ConnState): LiveSession {
    const { generateId } = this.deps.options;
    let id = generateId();
    for (let tries = 0; this.byId.has(id) && tries < 8; tries++) id = generateId();
    if (this.byId.has(id)) throw new Error('generateId keeps returning ids in use');
    const s = new LiveSession(id, generateId(), identity, { lastSent: 0, acked: 0, lastReceived: 0 }, this.onTransition, this.makeView);
    this.hold(s);
    this.deps.counters.sessionsCreated++;
    this.deps.journal.created(s);
    s.attach(c, 'new');
    c.carry(s);
    return s;
  }

  /** Hold a session resumed from the store (another node's, or one left behind by a restart), carried by `c`. */
  adopt(record: SessionRecord, c: ConnState, bytes: (frame: string) => number): LiveSession {
    const s = new LiveSession(record.id, record.token, record.identity, record, this.onTransition, this.makeView);
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
    return true;
  }

  /** `c` left: its session (if any) waits for a resume. */
  detach(c: ConnState, reason: string): void {
    const s = c.session;
    c.carry(undefined);
    s?.detach(c, this.deps.clock.now(), reason);
  }

  /**
   * Make room for one more session of `identity`: at `maxSessionsPerIdentity`, the identity's oldest
   * detached session ends (`superseded`); if none is detached, the connection is refused with
   * `goaway{capacityRetryAfter}` + 1013. Returns whether the new session may be created.
   */
  admit(c: ConnState, identity: string): boolean {
    const { maxSessionsPerIdentity, capacityRetryAfter } = this.deps.options;
    while (this.byIdentity.count(identity) >= maxSessionsPerIdentity) {
      const oldest = this.byIdentity.oldestDetached(identity);
      if (!oldest) {
        this.deps.wire.close(c, CloseCode.TryAgainLater, 'too many sessions', capacityRetryAfter);
        return false;
      }
      this.end(oldest, 'superseded');
      if (c.phase !== 'authenticating') return false; // a 'sessionclose' listener closed it meanwhile
    }
    return true;
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
    this.byIdentity.add(s);
  }

  private finish(s: LiveSession, reason: SessionEndReason, code: number, text: string, announce: boolean): void {
    if (s.state === 'ended') return;
    const error = new SendError(reason === 'overflow' || reason === 'moved' || reason === 'store-failed' ? reason : 'session-ended', `session ended: ${reason}`);
    const conn = s.end(reason, error);
    if (this.byId.get(s.id) === s) this.byId.delete(s.id);
    this.byIdentity.delete(s);
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
