// The transport-agnostic session engine: handshake, resume, exactly-once delivery, acks, bounds, drain and the sweep.

import { TextDecoder } from 'node:util';
import {
  CloseCode,
  ErrorCode,
  PROTOCOL_VERSION,
  ResumeFailure,
  decodeClientMessage,
  encode,
  type ClientDataMessage,
  type ClientMessage,
  type DecodeError,
  type HelloMessage,
  type Json,
} from '@lifeline/protocol';
import type {
  EngineDependencies,
  EngineEvents,
  EngineState,
  EngineStats,
  SessionEngine,
  SessionsView,
} from './api.js';
import { ConnState, type Connection, type ConnectionHandle, type ConnTransition } from './connection.js';
import { InMemoryDedupeStore, type DedupeStore } from './dedupe.js';
import { spreadOver } from './drain.js';
import { Emitter } from './emitter.js';
import { resolveOptions, type RequestInfo, type ResolvedOptions, type ServerOptions } from './options.js';
import { TokenBucket, rateLimitRetryAfter } from './rate-limit.js';
import type { Settle } from './replay-buffer.js';
import { decideResume } from './resume.js';
import { SendError, SessionState, type SessionEndReason, type SessionHost } from './session.js';
import { InMemorySessionStore, type SessionStore } from './store.js';
import { Sweep, sweepTick } from './sweep.js';

/** Create a session engine. Options are validated here (TypeError/RangeError). */
export function createSessionEngine(options: ServerOptions, deps: EngineDependencies = {}): SessionEngine {
  return new Engine(resolveOptions(options), deps);
}

type Counters = { -readonly [K in Exclude<keyof EngineStats, 'connections' | 'sessions' | 'dedupeKeys'>]: number };

const utf8 = new TextDecoder('utf-8');
/** Longest wait, after the drain window, for peers to finish their close handshake. */
const CLOSE_GRACE = 2000;
const inert = (id: number): ConnectionHandle => ({ id, receive: () => {}, closed: () => {} });

class Engine implements SessionEngine, SessionHost<ConnState> {
  state: EngineState = 'running';
  readonly sessions: SessionsView;
  private readonly conns = new Set<ConnState>();
  private readonly store: SessionStore<ConnState>;
  private readonly dedupe: DedupeStore;
  private readonly emitter: Emitter<EngineEvents>;
  private readonly sweep: Sweep;
  private readonly counters: Counters = {
    accepted: 0, rejected: 0, sessionsCreated: 0, sessionsEnded: 0, resumed: 0, resumeFailed: 0, terminated: 0,
    handshakeTimeouts: 0, authFailures: 0, slowConsumers: 0, rateLimited: 0, overflows: 0, violations: 0,
    duplicates: 0, deduplicated: 0, stalls: 0,
  };
  private nextConnId = 0;
  private closing: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private cancelDrain: (() => void) | undefined;
  private readonly onTransition = (c: ConnState, change: ConnTransition): void => this.transitioned(c, change);

  constructor(
    readonly options: ResolvedOptions,
    deps: EngineDependencies,
  ) {
    this.store = deps.store ?? new InMemorySessionStore<ConnState>();
    this.dedupe = deps.dedupe ?? new InMemoryDedupeStore(options.dedupeWindow, options.dedupeMaxKeys);
    this.emitter = new Emitter<EngineEvents>((error, event) => {
      if (event === 'error') console.error('lifeline: an error listener threw:', error);
      else this.report(error, `a '${String(event)}' listener threw`);
    });
    const store = this.store;
    this.sessions = {
      get size() {
        return store.size;
      },
      get: (id) => store.get(id),
      [Symbol.iterator]: () => store.values(),
    };
    const hb = options.heartbeat;
    this.sweep = new Sweep(options.clock, sweepTick(hb.interval, hb.timeout, options.handshakeTimeout), (now, stall) =>
      this.guard(() => this.tick(now, stall)),
    );
    this.sweep.start();
  }

  // ---- public API ------------------------------------------------------------------------------

  on<K extends keyof EngineEvents>(event: K, listener: (...args: EngineEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  accept(transport: Connection, request: RequestInfo): ConnectionHandle {
    const id = ++this.nextConnId;
    if (this.state !== 'running') {
      this.counters.rejected++;
      this.refuse(transport, CloseCode.ServiceRestart, 'service restart', this.options.drainRetryAfter);
      return inert(id);
    }
    if (this.conns.size >= this.options.maxConnections) {
      this.counters.rejected++;
      this.refuse(transport, CloseCode.TryAgainLater, 'over capacity', this.options.capacityRetryAfter);
      return inert(id);
    }
    const now = this.options.clock.now();
    const { perSecond, burst } = this.options.rateLimit;
    const c = new ConnState(id, transport, request, new TokenBucket(perSecond, burst, now), now, this.onTransition);
    this.conns.add(c);
    this.counters.accepted++;
    this.emitter.emit('connection', { connectionId: id, request });
    return {
      id,
      receive: (data, isBinary) => this.guard(() => this.receive(c, data, isBinary)),
      closed: (code, reason) => this.guard(() => this.transportClosed(c, code, reason)),
    };
  }

  broadcast(data: Json): number {
    const json = JSON.stringify(data);
    if (json === undefined) throw new TypeError('broadcast: data is not JSON');
    let reached = 0;
    for (const s of [...this.store.values()]) if (this.enqueue(s, json, undefined) === undefined) reached++;
    return reached;
  }

  stats(): EngineStats {
    return { ...this.counters, connections: this.conns.size, sessions: this.store.size, dedupeKeys: this.dedupe.size };
  }

  close(options: { drain?: number } = {}): Promise<void> {
    if (this.closing) return this.closing;
    const window = options.drain ?? this.options.drainWindow;
    if (!Number.isFinite(window) || window < 0) throw new RangeError('close: drain must be a non-negative number of ms');
    this.state = 'draining';
    this.closing = new Promise<void>((resolve) => {
      this.resolveClosed = resolve;
    });
    const { clock, random, drainRetryAfter } = this.options;
    // Peers that do not finish their close handshake within the grace are dropped.
    const grace = Math.min(this.options.heartbeat.timeout, CLOSE_GRACE);
    const straggler = clock.setTimeout(
      () => this.guard(() => {
        for (const c of [...this.conns]) this.terminate(c, 'drain timeout');
      }),
      window + grace,
    );
    let cancelSpread: (() => void) | undefined;
    this.cancelDrain = () => {
      cancelSpread?.();
      clock.clearTimeout(straggler);
    };
    cancelSpread = spreadOver(clock, random, window, [...this.conns], (c) =>
      this.guard(() => this.closeConn(c, CloseCode.ServiceRestart, 'service restart', drainRetryAfter)),
    );
    if (this.isClosed()) cancelSpread();
    this.checkDrained();
    return this.closing;
  }

  // ---- SessionHost -----------------------------------------------------------------------------

  enqueue(s: SessionState<ConnState>, dataJson: string, settle: Settle | undefined): SendError | undefined {
    if (s.ended) return new SendError('session-ended', 'the session has ended');
    const seq = s.nextSeq;
    // Same bytes as encode({t: 'msg', seq, data}), with the data serialised once per broadcast.
    const text = `{"t":"msg","seq":${seq},"data":${dataJson}}`;
    const bytes = Buffer.byteLength(text);
    if (bytes > this.options.maxPayload) return new SendError('payload-too-large', `message of ${bytes} bytes exceeds maxPayload ${this.options.maxPayload}`);
    if (s.buffer.count + 1 > this.options.maxUnacked || s.buffer.bytes + bytes > this.options.maxUnackedBytes) {
      this.counters.overflows++;
      this.endSession(s, 'overflow', CloseCode.SessionOverflow, 'session overflow');
      return new SendError('overflow', 'unacknowledged messages passed the session bounds; the session ended');
    }
    s.nextSeq++;
    s.buffer.push({ seq, text, bytes, settle });
    const c = s.connection;
    if (c?.open) this.write(c, text);
    return undefined;
  }

  endByApp(s: SessionState<ConnState>, code: number, reason: string): void {
    if (!(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))) {
      throw new RangeError('session.close: code must be 1000 or in 3000-4999');
    }
    this.endSession(s, 'closed', code, reason);
  }

  // ---- inbound ---------------------------------------------------------------------------------

  private receive(c: ConnState, data: string | Uint8Array, isBinary: boolean): void {
    if (!c.writable) return;
    const now = this.options.clock.now();
    c.lastFrameAt = now;
    if (!c.bucket.take(now)) {
      this.rateLimit(c);
      return;
    }
    if (isBinary) {
      this.reject(c, { code: ErrorCode.BadFrame, message: 'binary frames are not accepted' });
      return;
    }
    const text = typeof data === 'string' ? data : utf8.decode(data);
    const decoded = decodeClientMessage(text, { maxLength: this.options.maxPayload });
    if (!decoded.ok) {
      this.reject(c, decoded.error);
      return;
    }
    this.dispatch(c, decoded.message, now);
  }

  private dispatch(c: ConnState, m: ClientMessage, now: number): void {
    if (m.t === 'bye' && !c.open) {
      this.closeConn(c, CloseCode.Normal, 'bye');
      return;
    }
    if (c.phase === 'handshake') {
      if (m.t === 'hello') this.onHello(c, m);
      else this.reject(c, { code: ErrorCode.NotReady, message: 'send hello first' });
      return;
    }
    if (m.t === 'hello') {
      this.closeConn(c, CloseCode.BadRequest, 'second hello');
      return;
    }
    const s = c.session;
    if (!c.open || !s) {
      this.reject(c, { code: ErrorCode.NotReady, message: 'wait for welcome' });
      return;
    }
    switch (m.t) {
      case 'msg':
        this.onMessage(c, s, m, now);
        return;
      case 'ack':
        this.onAck(c, s, m.seq);
        return;
      case 'pong':
        if (m.ack !== undefined) this.onAck(c, s, m.ack);
        return;
      case 'ping':
        // A client probing a link it doubts (back online, visible again, awake): answer at once.
        if (m.ack !== undefined) this.onAck(c, s, m.ack);
        this.write(c, encode({ t: 'pong', ack: s.lastReceived }));
        return;
      case 'bye':
        this.endSession(s, 'bye', CloseCode.Normal, 'bye');
        return;
    }
  }

  private onHello(c: ConnState, hello: HelloMessage): void {
    if (hello.v !== PROTOCOL_VERSION) {
      this.closeConn(c, CloseCode.UnsupportedVersion, 'unsupported protocol version');
      return;
    }
    c.transition('authenticating', 'hello');
    let result: ReturnType<ResolvedOptions['authenticate']>;
    try {
      result = this.options.authenticate({ auth: hello.auth, request: c.request });
    } catch {
      // The hook's error may quote the credential: it is not reported anywhere.
      this.authFailed(c);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (identity) => this.guard(() => this.finishHello(c, hello, identity)),
        () => this.guard(() => this.authFailed(c)),
      );
      return;
    }
    this.finishHello(c, hello, result);
  }

  private authFailed(c: ConnState): void {
    if (c.phase !== 'authenticating') return;
    this.counters.authFailures++;
    this.closeConn(c, CloseCode.Unauthorized, 'unauthorized');
  }

  private finishHello(c: ConnState, hello: HelloMessage, identity: unknown): void {
    if (c.phase !== 'authenticating') return; // closed or timed out while the hook ran
    if (typeof identity !== 'string' || identity.length === 0) {
      this.authFailed(c);
      return;
    }
    if (!hello.resume) {
      this.openSession(c, identity, ResumeFailure.New);
      return;
    }
    const previous = this.store.get(hello.resume.id);
    const decision = decideResume(previous, hello.resume, identity);
    if (decision.ok) {
      this.resumeSession(c, decision.session, hello.resume.lastSeq);
      return;
    }
    // The owner proved itself but cannot continue: its old session is of no use to anyone.
    if (decision.reason === ResumeFailure.BadPosition && previous) this.endSession(previous, 'superseded', CloseCode.GoingAway, 'replaced');
    this.openSession(c, identity, decision.reason);
  }

  private openSession(c: ConnState, identity: string, reason: ResumeFailure): void {
    let id = this.options.generateId();
    for (let tries = 0; this.store.get(id) && tries < 8; tries++) id = this.options.generateId();
    if (this.store.get(id)) throw new Error('generateId keeps returning ids in use');
    const s = new SessionState<ConnState>(id, this.options.generateId(), identity, this);
    this.store.set(s);
    this.counters.sessionsCreated++;
    if (reason !== ResumeFailure.New) this.counters.resumeFailed++;
    this.attach(c, s);
    this.write(c, this.welcome(s, false, reason), false);
    this.emitter.emit('session', s, { resumed: false, reason });
  }

  private resumeSession(c: ConnState, s: SessionState<ConnState>, lastSeq: number): void {
    const previous = s.connection;
    if (previous) this.closeConn(previous, CloseCode.GoingAway, 'replaced');
    s.release(lastSeq);
    this.attach(c, s);
    this.write(c, this.welcome(s, true), false);
    // Replay everything the client lacks, in order, before anything new. The replay may exceed the
    // outbound cap on its own; it is tolerated until the queue first drains below the cap.
    let replayed = 0;
    for (const entry of s.buffer.after(lastSeq)) {
      if (!c.writable) break;
      this.write(c, entry.text, false);
      replayed += entry.bytes;
    }
    c.outboundAllowance = replayed;
    this.checkOutbound(c);
    this.counters.resumed++;
    if (c.open) this.emitter.emit('session', s, { resumed: true });
  }

  private welcome(s: SessionState, resumed: boolean, reason?: ResumeFailure): string {
    const { interval, timeout } = this.options.heartbeat;
    return encode({
      t: 'welcome',
      v: PROTOCOL_VERSION,
      session: { id: s.id, token: s.token },
      resumed,
      ...(reason !== undefined ? { reason } : {}),
      lastSeq: s.lastReceived,
      heartbeat: { interval, timeout },
      maxPayload: this.options.maxPayload,
    });
  }

  private onMessage(c: ConnState, s: SessionState<ConnState>, m: ClientDataMessage, now: number): void {
    if (m.seq <= s.lastReceived) {
      this.counters.duplicates++;
      this.scheduleAck(c);
      return;
    }
    if (m.seq !== s.lastReceived + 1) {
      this.reject(c, { code: ErrorCode.SequenceGap, message: `expected seq ${s.lastReceived + 1}`, seq: m.seq });
      return;
    }
    s.lastReceived = m.seq;
    this.scheduleAck(c);
    if (m.key !== undefined) {
      if (this.dedupe.has(s.identity, m.key, now)) {
        this.counters.deduplicated++;
        return;
      }
      this.dedupe.add(s.identity, m.key, now);
    }
    this.emitter.emit('message', s, m.data, m.key !== undefined ? { seq: m.seq, key: m.key } : { seq: m.seq });
  }

  private onAck(c: ConnState, s: SessionState, seq: number): void {
    if (seq > s.lastSent) {
      this.reject(c, { code: ErrorCode.BadMessage, message: `ack ${seq} is beyond the last seq sent (${s.lastSent})` });
      return;
    }
    s.release(seq);
  }

  /** One `ack` per batch: the frames of one read arrive in one synchronous run, the microtask follows it. */
  private scheduleAck(c: ConnState): void {
    if (c.ackPending) return;
    c.ackPending = true;
    queueMicrotask(() => this.guard(() => this.flushAck(c)));
  }

  private flushAck(c: ConnState): void {
    if (!c.ackPending) return;
    c.ackPending = false;
    const s = c.session;
    if (c.open && s) this.write(c, encode({ t: 'ack', seq: s.lastReceived }));
  }

  private reject(c: ConnState, error: DecodeError): void {
    this.counters.violations++;
    c.violations++;
    this.write(c, encode({ t: 'error', code: error.code, message: error.message, ...(error.seq !== undefined ? { seq: error.seq } : {}) }));
    if (c.violations >= this.options.maxViolations) this.closeConn(c, CloseCode.PolicyViolation, 'too many violations');
  }

  private rateLimit(c: ConnState): void {
    this.counters.rateLimited++;
    this.flushAck(c); // ack what was processed, so only the rest is resent after resume
    const { perSecond, burst } = this.options.rateLimit;
    this.closeConn(c, CloseCode.RateLimited, 'rate limited', rateLimitRetryAfter(perSecond, burst));
  }

  // ---- outbound and the close funnel ------------------------------------------------------------

  private write(c: ConnState, text: string, check = true): void {
    if (!c.writable) return;
    try {
      c.transport.send(text);
    } catch (error) {
      this.report(error, 'transport send failed');
      this.terminate(c, 'send failed');
      return;
    }
    if (check) this.checkOutbound(c);
  }

  /** Slow consumer: the queue passed its cap (plus what a resume replay added, until it drains once). */
  private checkOutbound(c: ConnState): void {
    const buffered = c.transport.bufferedAmount;
    const cap = this.options.maxOutboundBytes;
    if (buffered <= cap) {
      c.outboundAllowance = 0;
      return;
    }
    if (buffered > cap + c.outboundAllowance) {
      this.counters.slowConsumers++;
      this.closeConn(c, CloseCode.SlowConsumer, 'slow consumer');
    }
  }

  private refuse(transport: Connection, code: number, reason: string, retryAfter: number): void {
    try {
      transport.send(encode({ t: 'goaway', code, reason, retryAfter }));
      transport.close(code, reason);
    } catch {
      try {
        transport.terminate();
      } catch (error) {
        this.report(error, 'transport terminate failed');
      }
    }
  }

  /** The close funnel: idempotent; optionally preceded by `goaway{retryAfter}`. The session is kept. */
  private closeConn(c: ConnState, code: number, text: string, goawayRetryAfter?: number): void {
    if (!c.writable) return;
    const reason = closeReason(text);
    if (goawayRetryAfter !== undefined) this.write(c, encode({ t: 'goaway', code, reason, retryAfter: goawayRetryAfter }), false);
    if (!c.writable) return;
    const sessionId = this.detach(c);
    c.closingAt = this.options.clock.now();
    c.transition('closing', reason);
    try {
      c.transport.close(code, reason);
    } catch (error) {
      this.report(error, 'transport close failed');
      this.terminate(c, 'close failed');
    }
    this.emitter.emit('disconnect', { connectionId: c.id, ...(sessionId !== undefined ? { sessionId } : {}), code, reason, by: 'server' });
  }

  /** Drop a connection without a close handshake. */
  private terminate(c: ConnState, reason: string): void {
    if (c.phase === 'closed') return;
    const announce = c.writable;
    const sessionId = this.detach(c);
    c.transition('closed', reason);
    try {
      c.transport.terminate();
    } catch (error) {
      this.report(error, 'transport terminate failed');
    }
    if (announce) this.emitter.emit('disconnect', { connectionId: c.id, ...(sessionId !== undefined ? { sessionId } : {}), code: CloseCode.Abnormal, reason, by: 'server' });
  }

  private transportClosed(c: ConnState, code: number, reason: string): void {
    if (c.phase === 'closed') return;
    const announce = c.writable;
    const sessionId = this.detach(c);
    c.transition('closed', 'transport closed');
    if (announce) this.emitter.emit('disconnect', { connectionId: c.id, ...(sessionId !== undefined ? { sessionId } : {}), code, reason, by: 'client' });
  }

  private transitioned(c: ConnState, change: ConnTransition): void {
    if (change.to === 'closed') {
      this.conns.delete(c);
      this.checkDrained();
    }
  }

  private attach(c: ConnState, s: SessionState<ConnState>): void {
    c.session = s;
    s.connection = c;
    s.detachedAt = undefined;
    c.lastPingAt = this.options.clock.now();
    c.transition('open', 'welcome');
  }

  /** Unbind a connection from its session; the session starts its resume window. */
  private detach(c: ConnState): string | undefined {
    const s = c.session;
    if (!s) return undefined;
    c.session = undefined;
    if (s.connection === c) {
      s.connection = undefined;
      s.detachedAt = this.options.clock.now();
    }
    return s.id;
  }

  private endSession(s: SessionState<ConnState>, reason: SessionEndReason, code: number = CloseCode.Normal, text: string = reason): void {
    if (s.ended) return;
    s.ended = true;
    const c = s.connection;
    if (this.store.get(s.id) === s) this.store.delete(s.id);
    this.counters.sessionsEnded++;
    if (c) this.closeConn(c, code, text);
    s.buffer.rejectAll(new SendError(reason === 'overflow' ? 'overflow' : 'session-ended', `session ended: ${reason}`));
    this.emitter.emit('sessionclose', s, reason);
  }

  // ---- the sweep -------------------------------------------------------------------------------

  private tick(now: number, stall: number): void {
    const { interval, timeout } = this.options.heartbeat;
    // Deadlines are checked one tick early so each is enforced within its length, never a tick past
    // it; a ping still leaves every interval, and its pong has at least timeout - tick to arrive.
    const early = this.sweep.tick;
    if (stall > 0) this.forgiveStall(now, stall);
    for (const c of [...this.conns]) {
      switch (c.phase) {
        case 'handshake':
        case 'authenticating':
          if (now - c.acceptedAt >= this.options.handshakeTimeout - early) {
            this.counters.handshakeTimeouts++;
            this.closeConn(c, CloseCode.HandshakeTimeout, 'handshake timeout');
          }
          break;
        case 'open':
          if (now - c.lastFrameAt >= interval + timeout - early) {
            this.counters.terminated++;
            this.terminate(c, 'heartbeat timeout');
          } else if (now - c.lastPingAt >= interval || this.underPressure(c.session)) {
            this.ping(c, now);
          } else {
            this.checkOutbound(c);
          }
          break;
        case 'closing':
          // A peer that never completes the close handshake (it is not reading) is dropped.
          if (now - c.closingAt >= timeout) this.terminate(c, 'close timeout');
          break;
        case 'closed':
          break;
      }
    }
    for (const s of [...this.store.values()]) {
      if (!s.connection && s.detachedAt !== undefined && now - s.detachedAt >= this.options.resumeWindow) {
        this.endSession(s, 'expired');
      }
    }
    this.dedupe.sweep(now);
  }

  /** After a stall, push every deadline anchor back by its length (never past now). */
  private forgiveStall(now: number, stall: number): void {
    this.counters.stalls++;
    for (const c of this.conns) {
      c.acceptedAt = Math.min(now, c.acceptedAt + stall);
      c.lastFrameAt = Math.min(now, c.lastFrameAt + stall);
      c.closingAt = Math.min(now, c.closingAt + stall);
    }
    for (const s of this.store.values()) {
      if (s.detachedAt !== undefined) s.detachedAt = Math.min(now, s.detachedAt + stall);
    }
  }

  /** Half the unacked bound used: ping early so the client's ack comes back sooner. */
  private underPressure(s: SessionState | undefined): boolean {
    if (!s) return false;
    return s.buffer.count * 2 >= this.options.maxUnacked || s.buffer.bytes * 2 >= this.options.maxUnackedBytes;
  }

  private ping(c: ConnState, now: number): void {
    c.lastPingAt = now;
    const s = c.session;
    this.write(c, encode(s ? { t: 'ping', ack: s.lastReceived } : { t: 'ping' }));
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private checkDrained(): void {
    if (this.state !== 'draining' || this.conns.size > 0) return;
    this.state = 'closed';
    this.cancelDrain?.();
    this.sweep.stop();
    for (const s of [...this.store.values()]) this.endSession(s, 'shutdown', CloseCode.GoingAway, 'shutdown');
    this.resolveClosed?.();
  }

  // ---- errors ----------------------------------------------------------------------------------

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.report(error, 'internal error');
    }
  }

  report(error: unknown, context: string): void {
    if (this.emitter.listenerCount('error') === 0) console.error(`lifeline: ${context}:`, error);
    else this.emitter.emit('error', error, context);
  }
}

/** A close reason fits 123 bytes of UTF-8 (RFC 6455); longer ones are cut, never thrown on. */
function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= 123) return text;
  let cut = text.slice(0, 123);
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
  return cut;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
