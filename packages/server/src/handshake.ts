// The hello → auth → welcome handshake: version, the auth hook, a fresh session (capped per identity) or a resume, local or from the store.

import { attempt, utf8ByteLength } from '@lifeline/core';
import { CloseCode, PROTOCOL_VERSION, ResumeFailure, encode, type HelloMessage } from '@lifeline/protocol';
import type { SessionStartInfo } from './api.js';
import type { ConnState } from './connection.js';
import type { Admission } from './admission.js';
import type { Counters } from './counters.js';
import type { Delivery } from './delivery.js';
import type { FeatureSet } from './features.js';
import type { Journal } from './journal.js';
import type { ResolvedOptions } from './options.js';
import type { Outbound } from './outbound.js';
import type { PrincipalBuckets } from './rate-limit.js';
import type { SessionRecord } from './record.js';
import { decideResume, recordCandidate } from './resume.js';
import type { Session } from './session-view.js';
import type { LiveSession } from './session.js';
import type { Sessions } from './sessions.js';
import type { SessionStore } from './store.js';
import type { Wire } from './wire.js';

/** What the handshake needs from the engine. */
export interface HandshakeDeps {
  readonly options: Pick<ResolvedOptions, 'authenticate' | 'authenticated' | 'heartbeat' | 'maxPayload' | 'clock' | 'generateId' | 'resumeWindow'>;
  readonly node: string;
  readonly store: SessionStore;
  readonly sessions: Sessions;
  readonly admission: Pick<Admission, 'admit'>;
  /** The rate bucket of a principal, held by a connection until it closes. */
  readonly principals: Pick<PrincipalBuckets, 'hold'>;
  readonly journal: Journal;
  readonly delivery: Pick<Delivery, 'whenSettled'>;
  readonly outbound: Pick<Outbound, 'replay' | 'release' | 'writeDurable'>;
  readonly wire: Wire;
  readonly features: FeatureSet;
  readonly counters: Pick<Counters, 'authFailures' | 'sessionsCreated' | 'resumeFailed' | 'resumed'>;
  /** A session is ready on a connection (the engine's `session` event). */
  opened(session: Session, info: SessionStartInfo): void;
  /** This node resumed a session `owner` held: tell it to let go. */
  takeover(owner: string, sessionId: string): void;
  /** Run `fn`, reporting anything it throws. */
  guard(fn: () => void): void;
  report(error: unknown, context: string): void;
}

/** Runs PROTOCOL.md §3 for the first `hello` of a connection and ends in `welcome` or a close. */
export class Handshake {
  constructor(private readonly deps: HandshakeDeps) {}

  /** The connection's first `hello`: check the version, run the auth hook (sync or async), then finish. */
  hello(c: ConnState, hello: HelloMessage): void {
    if (hello.v !== PROTOCOL_VERSION) return this.deps.wire.close(c, CloseCode.UnsupportedVersion, 'unsupported protocol version');
    c.transition('authenticating', 'hello');
    const request = c.request;
    c.forgetRequest();
    let result: ReturnType<ResolvedOptions['authenticate']>;
    try {
      result = this.deps.options.authenticate({ auth: hello.auth, request: request ?? { headers: {}, url: '/' } });
    } catch {
      // The hook's error may quote the credential: it is not reported anywhere.
      return this.authFailed(c);
    }
    if (!isThenable(result)) return this.authenticated(c, hello, result);
    result.then(
      (identity) => this.deps.guard(() => this.authenticated(c, hello, identity)),
      () => this.deps.guard(() => this.authFailed(c)),
    );
  }

  private authFailed(c: ConnState): void {
    if (c.phase !== 'authenticating') return;
    this.deps.counters.authFailures++;
    this.deps.wire.close(c, CloseCode.Unauthorized, 'unauthorized');
  }

  /** Whom limits per identity count `c` against: the identity, or the remote address of an anonymous client. */
  private principalOf(c: ConnState, identity: string): string {
    return this.deps.options.authenticated ? `id:${identity}` : `addr:${c.address ?? 'unknown'}`;
  }

  private authenticated(c: ConnState, hello: HelloMessage, identity: unknown): void {
    if (c.phase !== 'authenticating') return; // closed or timed out while the hook ran
    if (typeof identity !== 'string' || identity.length === 0) return this.authFailed(c);
    const resume = hello.resume;
    if (!resume) return this.fresh(c, identity, ResumeFailure.New);
    const local = this.deps.sessions.get(resume.id);
    if (local) return this.resumeLocal(c, local, identity, resume);
    const now = this.deps.options.clock.now();
    attempt(() => this.deps.store.load(resume.id, now)).then(
      (record) => this.deps.guard(() => this.resumeStored(c, identity, resume, record)),
      (error: unknown) =>
        this.deps.guard(() => {
          this.deps.report(error, 'session store load failed');
          if (c.phase === 'authenticating') this.deps.wire.close(c, CloseCode.InternalError, 'session store unavailable');
        }),
    );
  }

  private resumeLocal(c: ConnState, s: LiveSession, identity: string, resume: NonNullable<HelloMessage['resume']>): void {
    const decision = decideResume(s, resume, identity);
    if (!decision.ok) {
      // The owner proved itself but cannot continue: its old session is of no use to anyone.
      if (decision.reason === ResumeFailure.BadPosition) this.deps.sessions.end(s, 'superseded', CloseCode.GoingAway, 'replaced');
      return this.fresh(c, identity, decision.reason);
    }
    const previous = s.connection;
    if (previous) this.deps.wire.close(previous, CloseCode.GoingAway, 'replaced');
    if (s.state !== 'detached' || c.phase !== 'authenticating') return; // a listener ended it or closed us
    this.deps.outbound.release(s, resume.lastSeq);
    this.deps.sessions.attach(s, c, 'resume');
    this.rotateToken(s, c, resume.token);
    this.deps.delivery.whenSettled(s, () => this.welcomeResumed(c, s, resume.lastSeq));
  }

  /** Whoever once saw a token must not resume with it later: a new one on every resume (the proven one lasts until the client shows it has the new). */
  private rotateToken(s: LiveSession, c: ConnState, proven: string): void {
    s.rotateToken(this.deps.options.generateId(), proven);
    this.deps.journal.tokenChanged(s);
    c.expectToken(true);
  }

  private resumeStored(c: ConnState, identity: string, resume: NonNullable<HelloMessage['resume']>, record: SessionRecord | undefined): void {
    if (c.phase !== 'authenticating') return;
    const local = this.deps.sessions.get(resume.id); // a racing connection of the same client got here first
    if (local) return this.resumeLocal(c, local, identity, resume);
    const decision = decideResume(record && recordCandidate(record), resume, identity);
    if (!decision.ok || !record) return this.fresh(c, identity, decision.ok ? ResumeFailure.UnknownSession : decision.reason);
    const s = this.deps.sessions.adopt(record, this.principalOf(c, identity), c, utf8ByteLength);
    if (record.owner !== this.deps.node) this.deps.takeover(record.owner, record.id);
    this.deps.outbound.release(s, resume.lastSeq);
    this.rotateToken(s, c, resume.token);
    this.deps.delivery.whenSettled(s, () => this.welcomeResumed(c, s, resume.lastSeq));
  }

  private fresh(c: ConnState, identity: string, reason: ResumeFailure): void {
    const principal = this.principalOf(c, identity);
    if (!this.deps.admission.admit(c, identity, principal)) return;
    const s = this.deps.sessions.create(identity, principal, c);
    if (reason !== ResumeFailure.New) this.deps.counters.resumeFailed++;
    this.deps.journal.after(s, () => this.welcomeFresh(c, s, reason));
  }

  private welcomeFresh(c: ConnState, s: LiveSession, reason: ResumeFailure): void {
    if (c.phase !== 'authenticating' || c.session !== s) {
      if (s.state === 'detached') this.deps.sessions.discard(s); // nobody can resume what was never announced
      return;
    }
    this.open(c, s, false, reason);
    if (!c.open) return;
    this.deps.opened(s.view, { resumed: false, reason });
    if (s.state !== 'ended') this.deps.features.attached(s, { resumed: false });
    this.deps.outbound.writeDurable(s); // anything that reached the session before its welcome
  }

  private welcomeResumed(c: ConnState, s: LiveSession, lastSeq: number): void {
    if (c.phase !== 'authenticating' || c.session !== s) return; // the client will try again
    this.open(c, s, true);
    // Everything the client lacks goes out, in order, before anything new.
    this.deps.outbound.replay(s, c, lastSeq);
    this.deps.counters.resumed++;
    if (!c.open) return;
    this.deps.opened(s.view, { resumed: true });
    if (s.state !== 'ended') this.deps.features.attached(s, { resumed: true });
  }

  private open(c: ConnState, s: LiveSession, resumed: boolean, reason?: ResumeFailure): void {
    const { heartbeat, maxPayload, clock, resumeWindow } = this.deps.options;
    const now = clock.now();
    const refused = resumed && s.refusing ? s.refusals.forWelcome(now, resumeWindow) : [];
    this.deps.wire.write(
      c,
      encode({
        t: 'welcome',
        v: PROTOCOL_VERSION,
        session: { id: s.id, token: s.token },
        resumed,
        ...(reason !== undefined ? { reason } : {}),
        lastSeq: s.lastReceived,
        heartbeat: { interval: heartbeat.interval, timeout: heartbeat.timeout },
        maxPayload,
        ...(refused.length > 0 ? { refused } : {}),
      }),
    );
    c.acked(s.lastReceived);
    c.beatFrom(now);
    c.useBuckets(s.bucket, s.principal, this.deps.principals.hold(s.principal, now));
    c.transition('open', 'welcome');
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
