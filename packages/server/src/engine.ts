// The session engine's coordinator: admits connections, holds connections, sessions and counters, wires its parts, drains.

import { CloseCode, type Json } from '@lifeline/protocol';
import type { EngineDependencies, EngineEvents, EngineState, EngineStats, SessionEngine, SessionsView } from './api.js';
import { SessionsByIdentity } from './by-identity.js';
import { ConnState, type Connection, type ConnectionHandle, type ConnTransition } from './connection.js';
import { zeroCounters } from './counters.js';
import { InMemoryDedupeStore, type DedupeStore } from './dedupe.js';
import { spreadOver } from './drain.js';
import { Emitter } from './emitter.js';
import { Funnel } from './funnel.js';
import { Handshake } from './handshake.js';
import { Inbound } from './inbound.js';
import { Limits } from './limits.js';
import { Liveness } from './liveness.js';
import { resolveOptions, type RequestInfo, type ResolvedOptions, type ServerOptions } from './options.js';
import { Outbound } from './outbound.js';
import { TokenBucket } from './rate-limit.js';
import type { Settle } from './replay-buffer.js';
import type { SendError, SessionHost, SessionState } from './session.js';
import { InMemorySessionStore, type SessionStore } from './store.js';
import { Sweep, sweepTick } from './sweep.js';

/** Create a session engine. Options are validated here (TypeError/RangeError). */
export function createSessionEngine(options: ServerOptions, deps: EngineDependencies = {}): SessionEngine {
  return new Engine(resolveOptions(options), deps);
}

/** Longest wait, after the drain window, for peers to finish their close handshake. */
const CLOSE_GRACE = 2000;
const inert = (id: number): ConnectionHandle => ({ id, receive: () => {}, closed: () => {} });

/**
 * Owns the collections (connections, sessions, the identity index, dedupe keys) and the counters; the
 * parts act on them through narrow interfaces: `Funnel` (close funnel), `Limits`, `Outbound`,
 * `Inbound`, `Handshake` and `Liveness` (the sweep's tick).
 */
class Engine implements SessionEngine, SessionHost<ConnState> {
  state: EngineState = 'running';
  readonly sessions: SessionsView;
  private readonly conns = new Set<ConnState>();
  private readonly store: SessionStore<ConnState>;
  private readonly dedupe: DedupeStore;
  private readonly byIdentity = new SessionsByIdentity<ConnState>();
  private readonly emitter: Emitter<EngineEvents>;
  private readonly counters = zeroCounters();
  private readonly funnel: Funnel;
  private readonly outbound: Outbound;
  private readonly inbound: Inbound;
  private readonly sweep: Sweep;
  private nextConnId = 0;
  private closing: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private cancelDrain: (() => void) | undefined;
  private readonly onTransition = (c: ConnState, change: ConnTransition): void => this.transitioned(c, change);

  constructor(
    readonly options: ResolvedOptions,
    deps: EngineDependencies,
  ) {
    const store = (this.store = deps.store ?? new InMemorySessionStore<ConnState>());
    const dedupe = (this.dedupe = deps.dedupe ?? new InMemoryDedupeStore(options.dedupeWindow, options.dedupeMaxKeys));
    const events = (this.emitter = new Emitter<EngineEvents>((error, event) => {
      if (event === 'error') console.error('lifeline: an error listener threw:', error);
      else this.report(error, `a '${String(event)}' listener threw`);
    }));
    this.sessions = {
      get size() {
        return store.size;
      },
      get: (id) => store.get(id),
      [Symbol.iterator]: () => store.values(),
    };
    const { counters, byIdentity, conns } = this;
    const guard = (fn: () => void): void => this.guard(fn);
    const funnel = (this.funnel = new Funnel({ clock: options.clock, store, byIdentity, counters, events, report: (error, context) => this.report(error, context) }));
    const limits = new Limits({ options, counters, byIdentity, funnel, flushAck: (c) => this.inbound.flushAck(c) });
    const outbound = (this.outbound = new Outbound({ options, counters, funnel, limits }));
    const handshake = new Handshake({ options, store, byIdentity, counters, events, host: this, funnel, limits, outbound, guard });
    this.inbound = new Inbound({ options, counters, dedupe, events, funnel, limits, outbound, handshake, guard });
    const hb = options.heartbeat;
    const tick = sweepTick(hb.interval, hb.timeout, options.handshakeTimeout);
    const liveness = new Liveness({ options, conns, store, dedupe, counters, funnel, limits, outbound, early: tick });
    this.sweep = new Sweep(options.clock, tick, (now, stall) => this.guard(() => liveness.tick(now, stall)));
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
      this.funnel.refuse(transport, CloseCode.ServiceRestart, 'service restart', this.options.drainRetryAfter);
      return inert(id);
    }
    if (this.conns.size >= this.options.maxConnections) {
      this.counters.rejected++;
      this.funnel.refuse(transport, CloseCode.TryAgainLater, 'over capacity', this.options.capacityRetryAfter);
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
      receive: (data, isBinary) => this.guard(() => this.inbound.receive(c, data, isBinary)),
      closed: (code, reason) => this.guard(() => this.funnel.transportClosed(c, code, reason)),
    };
  }

  broadcast(data: Json): number {
    const json = JSON.stringify(data);
    if (json === undefined) throw new TypeError('broadcast: data is not JSON');
    let reached = 0;
    const bytes = Buffer.byteLength(json);
    // A Map iterator tolerates the deletions an overflow causes; no copy of every session per broadcast.
    for (const s of this.store.values()) if (this.enqueue(s, json, undefined, bytes) === undefined) reached++;
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
        for (const c of [...this.conns]) this.funnel.terminate(c, 'drain timeout');
      }),
      window + grace,
    );
    let cancelSpread: (() => void) | undefined;
    this.cancelDrain = () => {
      cancelSpread?.();
      clock.clearTimeout(straggler);
    };
    cancelSpread = spreadOver(clock, random, window, [...this.conns], (c) =>
      this.guard(() => this.funnel.closeConn(c, CloseCode.ServiceRestart, 'service restart', drainRetryAfter)),
    );
    if (this.isClosed()) cancelSpread();
    this.checkDrained();
    return this.closing;
  }

  /** Route an error to the `error` event, or to console.error when nobody listens. */
  report(error: unknown, context: string): void {
    if (this.emitter.listenerCount('error') === 0) console.error(`lifeline: ${context}:`, error);
    else this.emitter.emit('error', error, context);
  }

  // ---- SessionHost -----------------------------------------------------------------------------

  enqueue(s: SessionState<ConnState>, dataJson: string, settle: Settle | undefined, dataBytes?: number): SendError | undefined {
    return this.outbound.enqueue(s, dataJson, settle, dataBytes);
  }

  endByApp(s: SessionState<ConnState>, code: number, reason: string): void {
    if (!(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))) {
      throw new RangeError('session.close: code must be 1000 or in 3000-4999');
    }
    this.funnel.endSession(s, 'closed', code, reason);
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  private transitioned(c: ConnState, change: ConnTransition): void {
    if (change.to === 'closed') {
      this.conns.delete(c);
      this.checkDrained();
    }
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private checkDrained(): void {
    if (this.state !== 'draining' || this.conns.size > 0) return;
    this.state = 'closed';
    this.cancelDrain?.();
    this.sweep.stop();
    for (const s of [...this.store.values()]) this.funnel.endSession(s, 'shutdown', CloseCode.GoingAway, 'shutdown');
    this.resolveClosed?.();
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.report(error, 'internal error');
    }
  }
}
