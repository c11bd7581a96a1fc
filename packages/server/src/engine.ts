// The session engine's coordinator: builds and wires its parts, admits connections, holds the connection set and counters, drains.

import { Emitter, logError } from '@lifeline/core';
import { CloseCode, type Json } from '@lifeline/protocol';
import type { EngineDependencies, EngineEvents, EngineState, EngineStats, SessionEngine, SessionsView } from './api.js';
import { InMemoryBroker } from './broker.js';
import { BrokerLink } from './broker-link.js';
import { ConnState, type Connection, type ConnectionHandle, type ConnTransition } from './connection.js';
import { zeroCounters } from './counters.js';
import { InMemoryDedupeStore, type DedupeStore } from './dedupe.js';
import { Delivery } from './delivery.js';
import { spreadOver } from './drain.js';
import { FeatureSet } from './features.js';
import { Handshake } from './handshake.js';
import { Inbound } from './inbound.js';
import { Journal } from './journal.js';
import { Limits } from './limits.js';
import { Liveness } from './liveness.js';
import { resolveOptions, type RequestInfo, type ResolvedOptions, type ServerOptions } from './options.js';
import { Outbound } from './outbound.js';
import { TokenBucket } from './rate-limit.js';
import { sessionFeature } from './session-feature.js';
import type { SessionPort } from './session-view.js';
import type { LiveSession } from './session.js';
import { Sessions } from './sessions.js';
import { InMemorySessionStore } from './store.js';
import { Sweep, sweepTick } from './sweep.js';
import { Wire } from './wire.js';

/** Create a session engine. Options are validated here (TypeError/RangeError); unknown options are refused. */
export function createSessionEngine(options: ServerOptions, deps: EngineDependencies = {}): SessionEngine {
  return new Engine(resolveOptions(options), deps);
}

/** Longest wait, after the drain window, for peers to finish their close handshake. */
const CLOSE_GRACE = 2000;
const inert = (id: number): ConnectionHandle => ({ id, receive: () => {}, closed: () => {} });

/**
 * Owns the connection set, the counters and the lifecycle (running, draining, closed); every other
 * concern is a part it builds once and wires through narrow interfaces: the {@link Wire} (frames and
 * closes), the {@link Journal} (store writes), {@link Sessions} (the registry and end funnel),
 * {@link Outbound}, {@link Delivery}, {@link Handshake}, {@link Inbound}, the features, the sweep
 * and the broker link. No part calls another that calls it back.
 */
class Engine implements SessionEngine {
  state: EngineState = 'running';
  readonly sessions: SessionsView;
  private readonly conns = new Set<ConnState>();
  private readonly emitter: Emitter<EngineEvents>;
  private readonly counters = zeroCounters();
  private readonly dedupe: DedupeStore;
  private readonly wire: Wire;
  private readonly journal: Journal;
  private readonly registry: Sessions;
  private readonly outbound: Outbound;
  private readonly inbound: Inbound;
  private readonly link: BrokerLink;
  private readonly sweep: Sweep;
  private nextConnId = 0;
  private closing: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private cancelDrain: (() => void) | undefined;
  private readonly onTransition = (c: ConnState, change: ConnTransition): void => this.connTransitioned(c, change);
  private readonly guardFn = (fn: () => void): void => this.guard(fn);
  private readonly reportFn = (error: unknown, context: string): void => this.report(error, context);

  constructor(
    readonly options: ResolvedOptions,
    deps: EngineDependencies,
  ) {
    const { clock, nodeId: node } = options;
    const { counters, reportFn: report, guardFn: guard } = this;
    const store = deps.store ?? new InMemorySessionStore();
    const dedupe = (this.dedupe = deps.dedupe ?? new InMemoryDedupeStore(options.dedupeWindow, options.dedupeMaxKeys));
    const broker = deps.broker ?? new InMemoryBroker((error) => this.report(error, 'a broker listener threw'));
    const events = (this.emitter = new Emitter<EngineEvents>((error, event) => {
      if (event === 'error') logError('lifeline: an error listener threw:', error);
      else this.report(error, `a '${String(event)}' listener threw`);
    }));
    const wire = (this.wire = new Wire({
      clock,
      maxOutboundBytes: options.maxOutboundBytes,
      counters,
      report,
      events: { disconnect: (c, sessionId, code, reason, by) => events.emit('disconnect', { connectionId: c.id, ...(sessionId !== undefined ? { sessionId } : {}), code, reason, by }) },
    }));
    const journal = (this.journal = new Journal({ store, node, report, failed: (sessions, error) => this.storeFailed(sessions, error) }));
    const limits = new Limits({ options, counters, wire });
    // The application's handles send and close through here; used only once everything is built.
    const port: SessionPort = { send: (s, data) => this.outbound.send(s, data), close: (s, code, reason) => this.endByApp(s, code, reason) };
    const registry = (this.registry = new Sessions({ options, node, clock, counters, journal, wire, port, report }));
    const reject = (c: ConnState, error: Parameters<Limits['reject']>[1]): void => limits.reject(c, error);
    const outbound = (this.outbound = new Outbound({ options, counters, journal, wire, reject, end: (s, reason, code, text) => registry.end(s, reason, code, text) }));
    const delivery = new Delivery({
      clock,
      counters,
      dedupe,
      journal,
      wire,
      reject,
      report,
      failed: (s, error) => this.storeFailed([s], error),
      deliver: (s, data, seq, key) => events.emit('message', s.view, data, key !== undefined ? { seq, key } : { seq }),
    });
    const features = new FeatureSet([sessionFeature({ delivery, outbound, sessions: registry, wire })], report);
    registry.lifecycle.on('detached', (s) => features.detached(s));
    registry.lifecycle.on('ended', (s, reason) => {
      features.ended(s, reason);
      events.emit('sessionclose', s.view, reason);
    });
    const link = (this.link = new BrokerLink({
      broker,
      node,
      report,
      broadcast: (json) => this.guard(() => outbound.fanOut(registry.values(), json)),
      takenOver: (id) => this.guard(() => this.movedAway(id)),
    }));
    const handshake = new Handshake({
      options, node, store, sessions: registry, journal, delivery, outbound, wire, features, counters, guard, report,
      opened: (session, info) => events.emit('session', session, info),
      takeover: (owner, id) => {
        counters.takeovers++;
        link.takeover(owner, id);
      },
    });
    this.inbound = new Inbound({ options, limits, handshake, features, delivery, wire });
    this.sessions = {
      get size() {
        return registry.size;
      },
      get: (id) => registry.get(id)?.view,
      [Symbol.iterator]: function* () {
        for (const s of registry.values()) yield s.view;
      },
    };
    const hb = options.heartbeat;
    const tick = sweepTick(hb.interval, hb.timeout, options.handshakeTimeout);
    const liveness = new Liveness({ options, conns: this.conns, sessions: registry, store, dedupe, counters, wire, report, early: tick });
    this.sweep = new Sweep(clock, tick, (now, stall) => this.guard(() => liveness.tick(now, stall)));
    link.start();
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
      this.wire.refuse(transport, CloseCode.ServiceRestart, 'service restart', this.options.drainRetryAfter);
      return inert(id);
    }
    if (this.conns.size >= this.options.maxConnections) {
      this.counters.rejected++;
      this.wire.refuse(transport, CloseCode.TryAgainLater, 'over capacity', this.options.capacityRetryAfter);
      return inert(id);
    }
    const now = this.options.clock.now();
    const { perSecond, burst } = this.options.rateLimit;
    const c = new ConnState(id, transport, request, new TokenBucket(perSecond, burst, now), now, this.onTransition);
    this.conns.add(c);
    this.counters.accepted++;
    this.emitter.emit('connection', { connectionId: id, request });
    const { inbound, wire } = this;
    return {
      id,
      receive: (data, isBinary) => this.guard(() => inbound.receive(c, data, isBinary)),
      closed: (code, reason) => this.guard(() => wire.transportClosed(c, code, reason)),
    };
  }

  broadcast(data: Json): Promise<void> {
    let json: string | undefined;
    try {
      json = JSON.stringify(data);
    } catch (error) {
      return Promise.reject(new TypeError(`broadcast: data is not JSON (${error instanceof Error ? error.message : 'unserialisable'})`));
    }
    if (json === undefined) return Promise.reject(new TypeError('broadcast: data is not JSON'));
    return this.link.broadcast(json);
  }

  stats(): EngineStats {
    return { ...this.counters, connections: this.conns.size, sessions: this.registry.size, dedupeKeys: this.dedupe.size ?? 0 };
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
    const straggler = clock.setTimeout(() => this.guard(() => {
      for (const c of [...this.conns]) this.wire.terminate(c, 'drain timeout');
    }), window + grace);
    let cancelSpread: (() => void) | undefined;
    this.cancelDrain = () => {
      cancelSpread?.();
      clock.clearTimeout(straggler);
    };
    cancelSpread = spreadOver(clock, random, window, [...this.conns], (c) =>
      this.guard(() => this.wire.close(c, CloseCode.ServiceRestart, 'service restart', drainRetryAfter)),
    );
    if (this.state !== 'draining') cancelSpread();
    this.checkDrained();
    return this.closing;
  }

  /** Route an error to the `error` event, or to console.error when nobody listens. */
  report(error: unknown, context: string): void {
    if (this.emitter.listenerCount('error') === 0) logError(`lifeline: ${context}:`, error);
    else this.emitter.emit('error', error, context);
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  private endByApp(s: LiveSession, code: number, reason: string): void {
    if (!(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))) {
      throw new RangeError('session.close: code must be 1000 or in 3000-4999');
    }
    this.registry.end(s, 'closed', code, reason);
  }

  /** A connection leaves `open` (or the handshake): its session waits for a resume; a closed one is forgotten. */
  private connTransitioned(c: ConnState, change: ConnTransition): void {
    if (change.to !== 'closing' && change.to !== 'closed') return;
    if (c.session) this.registry.detach(c, change.reason);
    if (change.to !== 'closed') return;
    this.conns.delete(c);
    this.checkDrained();
  }

  /** Another node resumed one of this node's sessions: let go of it here, keeping its record. */
  private movedAway(id: string): void {
    const s = this.registry.get(id);
    if (s) this.registry.end(s, 'moved', CloseCode.GoingAway, 'replaced');
  }

  /** The store failed these sessions' changes: drop them here; their clients resume from what the store holds. */
  private storeFailed(sessions: readonly LiveSession[], error: unknown): void {
    this.counters.storeFailures++;
    this.report(error, 'session store failed');
    for (const s of sessions) this.registry.end(s, 'store-failed', CloseCode.InternalError, 'session store unavailable');
  }

  private checkDrained(): void {
    if (this.state !== 'draining' || this.conns.size > 0) return;
    this.state = 'closed';
    this.cancelDrain?.();
    this.sweep.stop();
    // What the sessions did last reaches the store before this node lets go of them (bounded: a
    // store that hangs must not hold the shutdown forever).
    const { clock } = this.options;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      this.guard(() => {
        for (const s of [...this.registry.values()]) this.registry.end(s, 'shutdown', CloseCode.GoingAway, 'shutdown');
      });
      this.link.stop();
      this.resolveClosed?.();
    };
    const timer = clock.setTimeout(finish, CLOSE_GRACE);
    void this.journal.idle().then(finish);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.report(error, 'internal error');
    }
  }
}
