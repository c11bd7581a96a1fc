// The hello → auth → welcome handshake: version check, the auth hook, fresh sessions (capped per identity) and resume.

import { CloseCode, PROTOCOL_VERSION, ResumeFailure, encode, type HelloMessage } from '@lifeline/protocol';
import type { EngineEvents } from './api.js';
import type { SessionsByIdentity } from './by-identity.js';
import type { ConnState } from './connection.js';
import type { Counters } from './counters.js';
import type { Emitter } from './emitter.js';
import type { Funnel } from './funnel.js';
import type { Limits } from './limits.js';
import type { ResolvedOptions } from './options.js';
import type { Outbound } from './outbound.js';
import { decideResume } from './resume.js';
import { SessionState, type SessionHost } from './session.js';
import type { SessionStore } from './store.js';

/** What the handshake needs from the engine. */
export interface HandshakeDeps {
  readonly options: Pick<ResolvedOptions, 'authenticate' | 'generateId' | 'heartbeat' | 'maxPayload'>;
  readonly store: SessionStore<ConnState>;
  readonly byIdentity: Pick<SessionsByIdentity<ConnState>, 'add'>;
  readonly counters: Pick<Counters, 'authFailures' | 'sessionsCreated' | 'resumeFailed' | 'resumed'>;
  readonly events: Pick<Emitter<EngineEvents>, 'emit'>;
  /** The host every new session sends and closes through. */
  readonly host: SessionHost<ConnState>;
  readonly funnel: Pick<Funnel, 'write' | 'attach' | 'closeConn' | 'endSession'>;
  readonly limits: Pick<Limits, 'admitSession'>;
  readonly outbound: Pick<Outbound, 'replay'>;
  /** Run `fn`, reporting anything it throws. */
  guard(fn: () => void): void;
}

/** Runs PROTOCOL.md §3 for the first `hello` of a connection and ends in `welcome` or a close. */
export class Handshake {
  constructor(private readonly deps: HandshakeDeps) {}

  /** The connection's first `hello`: check the version, run the auth hook (sync or async), then finish. */
  hello(c: ConnState, hello: HelloMessage): void {
    if (hello.v !== PROTOCOL_VERSION) {
      this.deps.funnel.closeConn(c, CloseCode.UnsupportedVersion, 'unsupported protocol version');
      return;
    }
    c.transition('authenticating', 'hello');
    let result: ReturnType<ResolvedOptions['authenticate']>;
    try {
      result = this.deps.options.authenticate({ auth: hello.auth, request: c.request });
    } catch {
      // The hook's error may quote the credential: it is not reported anywhere.
      this.authFailed(c);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (identity) => this.deps.guard(() => this.finish(c, hello, identity)),
        () => this.deps.guard(() => this.authFailed(c)),
      );
      return;
    }
    this.finish(c, hello, result);
  }

  private authFailed(c: ConnState): void {
    if (c.phase !== 'authenticating') return;
    this.deps.counters.authFailures++;
    this.deps.funnel.closeConn(c, CloseCode.Unauthorized, 'unauthorized');
  }

  private finish(c: ConnState, hello: HelloMessage, identity: unknown): void {
    if (c.phase !== 'authenticating') return; // closed or timed out while the hook ran
    if (typeof identity !== 'string' || identity.length === 0) {
      this.authFailed(c);
      return;
    }
    if (!hello.resume) {
      this.openSession(c, identity, ResumeFailure.New);
      return;
    }
    const previous = this.deps.store.get(hello.resume.id);
    const decision = decideResume(previous, hello.resume, identity);
    if (decision.ok) {
      this.resumeSession(c, decision.session, hello.resume.lastSeq);
      return;
    }
    // The owner proved itself but cannot continue: its old session is of no use to anyone.
    if (decision.reason === ResumeFailure.BadPosition && previous) this.deps.funnel.endSession(previous, 'superseded', CloseCode.GoingAway, 'replaced');
    this.openSession(c, identity, decision.reason);
  }

  private openSession(c: ConnState, identity: string, reason: ResumeFailure): void {
    const { options, store, counters, funnel } = this.deps;
    if (!this.deps.limits.admitSession(c, identity)) return;
    let id = options.generateId();
    for (let tries = 0; store.get(id) && tries < 8; tries++) id = options.generateId();
    if (store.get(id)) throw new Error('generateId keeps returning ids in use');
    const s = new SessionState<ConnState>(id, options.generateId(), identity, this.deps.host);
    store.set(s);
    this.deps.byIdentity.add(s);
    counters.sessionsCreated++;
    if (reason !== ResumeFailure.New) counters.resumeFailed++;
    funnel.attach(c, s);
    funnel.write(c, this.welcome(s, false, reason));
    this.deps.events.emit('session', s, { resumed: false, reason });
  }

  private resumeSession(c: ConnState, s: SessionState<ConnState>, lastSeq: number): void {
    const { funnel } = this.deps;
    const previous = s.connection;
    if (previous) funnel.closeConn(previous, CloseCode.GoingAway, 'replaced');
    s.release(lastSeq);
    funnel.attach(c, s);
    funnel.write(c, this.welcome(s, true));
    // Everything the client lacks goes out, in order, before anything new.
    this.deps.outbound.replay(c, s, lastSeq);
    this.deps.counters.resumed++;
    if (c.open) this.deps.events.emit('session', s, { resumed: true });
  }

  private welcome(s: SessionState, resumed: boolean, reason?: ResumeFailure): string {
    const { interval, timeout } = this.deps.options.heartbeat;
    return encode({
      t: 'welcome',
      v: PROTOCOL_VERSION,
      session: { id: s.id, token: s.token },
      resumed,
      ...(reason !== undefined ? { reason } : {}),
      lastSeq: s.lastReceived,
      heartbeat: { interval, timeout },
      maxPayload: this.deps.options.maxPayload,
    });
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
