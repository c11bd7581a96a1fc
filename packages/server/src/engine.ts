// The session engine's coordinator: builds and wires its parts, admits connections, holds the connection set and counters, drains.

import { Emitter, logError } from '@lifeline/core';
import {
  CloseCode,
  isChannelName,
  type AnySchema,
  type IdentityPresence,
  type Json,
  type ParamsOf,
  type PresenceMember,
  type ResultOf,
  type Schema,
  type StreamPosition,
} from '@lifeline/protocol';
import type { EngineDependencies, EngineEvents, EngineState, EngineStats, SessionEngine, SessionsView } from './api.js';
import { assemble, type Parts } from './assemble.js';
import { ConnState, type Connection, type ConnectionHandle, type ConnTransition } from './connection.js';
import { zeroCounters } from './counters.js';
import { spreadOver } from './drain.js';
import { resolveOptions } from './options-resolve.js';
import type { RequestInfo, ResolvedOptions, ServerOptions } from './options.js';
import { TokenBucket } from './rate-limit.js';
import { addressKey } from './address.js';
import type { CallHandler } from './rpc/options.js';
import type { Session } from './session-view.js';
import type { LiveSession } from './session.js';

/**
 * Create a session engine. Options are validated here (TypeError/RangeError); unknown options are
 * refused. `S` (see `Schema`) types what flows; at run time every value is JSON as it arrived.
 */
export function createSessionEngine<S extends Schema = AnySchema>(options: ServerOptions, deps: EngineDependencies = {}): SessionEngine<S> {
  // The schema narrows types only: the engine itself carries any JSON.
  return new Engine(resolveOptions(options), deps) as unknown as SessionEngine<S>;
}

/** Longest wait, after the drain window, for peers to finish their close handshake. */
const CLOSE_GRACE = 2000;
const inert = (id: number): ConnectionHandle => ({ id, receive: () => {}, closed: () => {} });

/**
 * Owns the connection set, the counters and the lifecycle (running, draining, closed); every other
 * concern is a part {@link assemble} builds once and wires through narrow interfaces: the wire
 * (frames and closes), the journal (store writes), the registry (sessions and their end funnel),
 * outbound, delivery, the handshake, inbound, admission, the features, the sweep and the broker
 * link. No part calls another that calls it back.
 */
class Engine implements SessionEngine {
  state: EngineState = 'running';
  readonly sessions: SessionsView;
  private readonly conns = new Set<ConnState>();
  private readonly emitter: Emitter<EngineEvents>;
  private readonly counters = zeroCounters();
  private readonly parts: Parts;
  private nextConnId = 0;
  private closing: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private cancelDrain: (() => void) | undefined;
  private readonly onTransition = (c: ConnState, change: ConnTransition): void => this.connTransitioned(c, change);

  constructor(
    readonly options: ResolvedOptions,
    deps: EngineDependencies,
  ) {
    this.emitter = new Emitter<EngineEvents>((error, event) => {
      if (event === 'error') logError('lifeline: an error listener threw:', error);
      else this.report(error, `a '${String(event)}' listener threw`);
    });
    const parts = (this.parts = assemble(options, deps, {
      counters: this.counters,
      events: this.emitter,
      conns: this.conns,
      report: (error, context) => this.report(error, context),
      guard: (fn) => this.guard(fn),
      endByApp: (s, code, reason) => this.endByApp(s, code, reason),
    }));
    const { registry } = parts;
    this.sessions = {
      get size() {
        return registry.size;
      },
      get: (id) => registry.get(id)?.view,
      [Symbol.iterator]: function* () {
        for (const s of registry.values()) yield s.view;
      },
    };
    parts.link.start();
    parts.sweep.start();
  }

  // ---- public API ------------------------------------------------------------------------------

  on<K extends keyof EngineEvents>(event: K, listener: (...args: EngineEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  accept(transport: Connection, request: RequestInfo): ConnectionHandle {
    const id = ++this.nextConnId;
    if (this.state !== 'running') {
      this.counters.rejected++;
      this.parts.wire.refuse(transport, CloseCode.ServiceRestart, 'service restart', this.options.drainRetryAfter);
      return inert(id);
    }
    const address = request.remoteAddress === undefined ? undefined : addressKey(request.remoteAddress);
    const perAddress = this.options.maxConnectionsPerAddress;
    if (this.conns.size >= this.options.maxConnections || (address !== undefined && perAddress !== Infinity && !this.parts.addresses.admit(address, perAddress))) {
      this.counters.rejected++;
      this.parts.wire.refuse(transport, CloseCode.TryAgainLater, 'over capacity', this.options.capacityRetryAfter);
      return inert(id);
    }
    const now = this.options.clock.now();
    const { perSecond, burst } = this.options.rateLimit;
    const c = new ConnState(id, transport, request, address, new TokenBucket(perSecond, burst, now), now, this.onTransition);
    this.conns.add(c);
    this.counters.accepted++;
    this.emitter.emit('connection', { connectionId: id, request });
    const { inbound, wire } = this.parts;
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
    return this.parts.link.broadcast(json);
  }

  publish(channel: string, data: Json): Promise<StreamPosition> {
    if (!isChannelName(channel, this.options.channels.maxNameLength)) return Promise.reject(new TypeError(`publish: invalid channel name ${JSON.stringify(channel)}`));
    const json = serialise(data);
    if (json === undefined) return Promise.reject(new TypeError('publish: data is not JSON'));
    return this.parts.channels.publish(channel, json);
  }

  unsubscribe(session: Session, channel: string): boolean {
    const s = this.parts.registry.get(session.id);
    return s !== undefined && this.parts.channels.unsubscribe(s, channel);
  }

  handle<M extends string>(method: M, handler: CallHandler<ParamsOf<AnySchema, M>, ResultOf<AnySchema, M>> | undefined): void {
    // For AnySchema the params are Json; TypeScript cannot resolve that for a generic M.
    this.parts.calls.handle(method, handler as CallHandler | undefined);
  }

  presence(identity: string): Promise<IdentityPresence> {
    return this.parts.presence.status(identity);
  }

  members(channel: string): Promise<PresenceMember[]> {
    return this.parts.presence.members(channel);
  }

  stats(): EngineStats {
    const { registry, dedupe, channels } = this.parts;
    return { ...this.counters, connections: this.conns.size, sessions: registry.size, dedupeKeys: dedupe.size ?? 0, channels: channels.channels };
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
      for (const c of [...this.conns]) this.parts.wire.terminate(c, 'drain timeout');
    }), window + grace);
    let cancelSpread: (() => void) | undefined;
    this.cancelDrain = () => {
      cancelSpread?.();
      clock.clearTimeout(straggler);
    };
    cancelSpread = spreadOver(clock, random, window, [...this.conns], (c) =>
      this.guard(() => this.parts.wire.close(c, CloseCode.ServiceRestart, 'service restart', drainRetryAfter)),
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
    this.parts.registry.end(s, 'closed', code, reason);
  }

  /** A connection leaves `open` (or the handshake): its session waits for a resume; a closed one is forgotten. */
  private connTransitioned(c: ConnState, change: ConnTransition): void {
    if (change.to !== 'closing' && change.to !== 'closed') return;
    if (c.session) this.parts.registry.detach(c, change.reason);
    if (change.to !== 'closed') return;
    this.conns.delete(c);
    if (c.principal !== undefined) this.parts.principals.release(c.principal);
    if (c.address !== undefined && this.options.maxConnectionsPerAddress !== Infinity) this.parts.addresses.release(c.address);
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.state !== 'draining' || this.conns.size > 0) return;
    this.state = 'closed';
    this.cancelDrain?.();
    this.parts.sweep.stop();
    // What the sessions did last reaches the store before this node lets go of them (bounded: a
    // store that hangs must not hold the shutdown forever).
    const { clock } = this.options;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      const { registry } = this.parts;
      this.guard(() => {
        for (const s of [...registry.values()]) registry.end(s, 'shutdown', CloseCode.GoingAway, 'shutdown');
      });
      this.parts.link.stop();
      this.resolveClosed?.();
    };
    const timer = clock.setTimeout(finish, CLOSE_GRACE);
    void this.parts.journal.idle().then(finish);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.report(error, 'internal error');
    }
  }
}

/** `data` as JSON, or undefined when JSON cannot carry it. */
function serialise(data: Json): string | undefined {
  try {
    return JSON.stringify(data);
  } catch {
    return undefined;
  }
}
