// Builds the engine's parts once and wires them to each other through narrow interfaces.

import { Emitter, type EventArgs } from '@lifeline/core';
import { CloseCode, PRESENCE_METHOD, encode, type ClientDataMessage, type ErrorCode } from '@lifeline/protocol';
import { Admission } from './admission.js';
import type { EngineDependencies, EngineEvents } from './api.js';
import { InMemoryBroker } from './broker.js';
import { BrokerLink } from './broker-link.js';
import { ChannelPresence } from './channels/channel-presence.js';
import { Channels } from './channels/channels.js';
import { Presence } from './presence/presence.js';
import { InMemoryPresenceStore } from './presence/store.js';
import { InMemoryChannelHistory, type ChannelHistory } from './channels/history.js';
import { Calls } from './rpc/calls.js';
import { InMemoryResultStore, type ResultStore } from './rpc/results.js';
import type { ConnState } from './connection.js';
import type { Counters } from './counters.js';
import type { DedupeStore } from './dedupe.js';
import { InMemoryDedupeStore } from './dedupe-memory.js';
import { Delivery } from './delivery.js';
import { FeatureSet, type Feature } from './features.js';
import { Handshake } from './handshake.js';
import { Inbound } from './inbound.js';
import { Journal } from './journal.js';
import { Limits } from './limits.js';
import { Liveness } from './liveness.js';
import type { ResolvedOptions } from './options.js';
import { Outbound } from './outbound.js';
import { Pings } from './pings.js';
import { AddressCounts, PrincipalBuckets } from './rate-limit.js';
import { REFUSALS_BEFORE_PING } from './refusals.js';
import { sessionFeature } from './session-feature.js';
import type { SessionPort } from './session-view.js';
import type { LiveSession } from './session.js';
import { Sessions } from './sessions.js';
import { InMemorySessionStore } from './store.js';
import { Sweep, sweepTick } from './sweep.js';
import { Wire } from './wire.js';

/** How long a client with too many unconfirmed refusals is asked to wait (goaway `retryAfter`, ms). */
const REFUSAL_RETRY_AFTER = 2_000;

/** What the parts need from the engine that owns them. */
export interface AssemblyHost<E extends EventArgs = EngineEvents> {
  readonly counters: Counters;
  readonly events: Emitter<E>;
  /** The connections held (the sweep walks them). */
  readonly conns: ReadonlySet<ConnState>;
  report(error: unknown, context: string): void;
  guard(fn: () => void): void;
  /** `session.close(code, reason)` of the application. */
  endByApp(s: LiveSession, code: number, reason: string): void;
}

/** The engine's parts, built once. */
export interface Parts {
  readonly wire: Wire;
  readonly journal: Journal;
  readonly registry: Sessions;
  readonly outbound: Outbound;
  readonly inbound: Inbound;
  readonly link: BrokerLink;
  readonly sweep: Sweep;
  readonly dedupe: DedupeStore;
  readonly principals: PrincipalBuckets;
  readonly addresses: AddressCounts;
  readonly channels: Channels;
  readonly calls: Calls;
  readonly history: ChannelHistory;
  readonly results: ResultStore;
  readonly presence: Presence;
}

/** Build every part for `options`, with the seams of `deps` (in-memory defaults). */
export function assemble(options: ResolvedOptions, deps: EngineDependencies, host: AssemblyHost<EngineEvents>): Parts {
  const { clock, nodeId: node, resumeWindow } = options;
  const { counters, events } = host;
  const report = (error: unknown, context: string): void => host.report(error, context);
  const guard = (fn: () => void): void => host.guard(fn);
  const store = deps.store ?? new InMemorySessionStore();
  const history = deps.history ?? new InMemoryChannelHistory();
  const results = deps.results ?? new InMemoryResultStore(options.dedupeWindow, options.rpc.maxResultsPerIdentity);
  const dedupe = deps.dedupe ?? new InMemoryDedupeStore(options.dedupeWindow, options.dedupeMaxKeys, options.dedupeMaxKeysPerIdentity);
  const broker = deps.broker ?? new InMemoryBroker((error) => report(error, 'a broker listener threw'));
  const principals = new PrincipalBuckets(options.identityRateLimit);
  const wire = new Wire({
    clock,
    maxOutboundBytes: options.maxOutboundBytes,
    counters,
    report,
    events: { disconnect: (c, sessionId, code, reason, by) => events.emit('disconnect', { connectionId: c.id, ...(sessionId !== undefined ? { sessionId } : {}), code, reason, by }) },
  });
  const storeFailed = (sessions: readonly LiveSession[], error: unknown): void => {
    counters.storeFailures++;
    report(error, 'session store failed');
    for (const s of sessions) registry.end(s, 'store-failed', CloseCode.InternalError, 'session store unavailable');
  };
  const journal = new Journal({ store, node, report, failed: storeFailed });
  const limits = new Limits({ options, counters, wire });
  // The application's handles send and close through here; used only once everything is built.
  const port: SessionPort = { send: (s, data) => outbound.send(s, data), close: (s, code, reason) => host.endByApp(s, code, reason) };
  const registry = new Sessions({ options, node, clock, counters, journal, wire, port, report });
  const admission = new Admission({ options, sessions: registry, wire });
  const reject = (c: ConnState, error: Parameters<Limits['reject']>[1]): void => limits.reject(c, error);
  const outbound = new Outbound({ options, counters, journal, wire, reject, end: (s, reason, code, text) => registry.end(s, reason, code, text), charge: (s, delta) => admission.charge(s, delta) });
  const pings = new Pings({ wire, dedupe, report });
  const refuse = (s: LiveSession, seq: number, code: ErrorCode): boolean => {
    const c = s.connection;
    const now = clock.now();
    if (!s.refusals.add(seq, code, now, resumeWindow)) {
      // Too many refusals the client may not have seen: stop taking messages until it catches up.
      if (c) limits.rateLimited(c, REFUSAL_RETRY_AFTER, delivery);
      return false;
    }
    counters.refused++;
    if (!c?.open) return true;
    wire.write(c, encode({ t: 'error', code, message: `message ${seq} refused: ${code}`, seq }));
    // A pong to a ping written after these refusals confirms them; ask for one early when they pile up.
    if (s.refusals.pending >= REFUSALS_BEFORE_PING) pings.confirmSoon(c, now);
    return true;
  };
  const delivery: Delivery = new Delivery({
    clock, counters, dedupe, journal, wire, reject, refuse, report,
    failed: (s, error) => storeFailed([s], error),
    confirmSoon: (c) => pings.confirmSoon(c, clock.now()),
    check: (s, m): ErrorCode | undefined => features.check(s, m),
    deliver: (s, m) => features.apply(s, m),
    repeated: (s, m) => features.repeated(s, m),
  });
  const presenceStore = deps.presence ?? new InMemoryPresenceStore({ max: options.presence.maxLastSeen, maxAge: options.presence.lastSeenAge });
  const presence: Presence = new Presence({ options: options.presence, store: presenceStore, clock, report, announce: (ch, frame) => channelPresence.announce(ch, frame) });
  const channelPresence = new ChannelPresence({ presence, broker, wire, report, enabled: (ch) => options.channels.presenceFor(ch) });
  const channels = new Channels({ options: options.channels, clock, history, broker, wire, report, presence: channelPresence });
  const calls = new Calls({
    options: options.rpc, clock, results, report,
    answer: (s, id, outcome, acked) => {
      const refused = outbound.reply(s, id, outcome, { resolve: acked, reject: () => {} });
      if (refused) report(refused, `could not answer call ${id}`);
    },
  });
  const deliver = (s: LiveSession, m: ClientDataMessage): void => {
    events.emit('message', s.view, m.data, m.key !== undefined ? { seq: m.seq, key: m.key } : { seq: m.seq });
  };
  calls.reserve(PRESENCE_METHOD, (params, ctx) => presence.query(ctx.session, params));
  const presenceFeature: Feature = {
    name: 'presence',
    hooks: {
      attached: (s) => presence.attached(s),
      detached: (s) => presence.detached(s, true),
      // A session that moved or whose node shut down lives on elsewhere: away, not gone.
      ended: (s, reason) => presence.detached(s, reason === 'moved' || reason === 'shutdown'),
    },
  };
  const features: FeatureSet = new FeatureSet(
    [sessionFeature({ delivery, outbound, sessions: registry, wire, pings, deliver }), channels.feature(), calls.feature(), presenceFeature],
    report,
  );
  registry.lifecycle.on('held', (s) => admission.held(s));
  registry.lifecycle.on('attached', (s) => admission.attached(s));
  registry.lifecycle.on('detached', (s) => {
    admission.detached(s);
    features.detached(s);
  });
  registry.lifecycle.on('released', (s) => admission.released(s));
  registry.lifecycle.on('ended', (s, reason) => {
    features.ended(s, reason);
    events.emit('sessionclose', s.view, reason);
  });
  const link = new BrokerLink({
    broker, node, report,
    broadcast: (json) => guard(() => outbound.fanOut(registry.values(), json)),
    // Another node resumed one of this node's sessions: let go of it here, keeping its record.
    takenOver: (id) => guard(() => {
      const s = registry.get(id);
      if (s) registry.end(s, 'moved', CloseCode.GoingAway, 'replaced');
    }),
  });
  const handshake = new Handshake({
    options, node, store, sessions: registry, admission, principals, journal, delivery, outbound, wire, features, counters, guard, report,
    opened: (session, info) => events.emit('session', session, info),
    takeover: (owner, id) => {
      counters.takeovers++;
      link.takeover(owner, id);
    },
  });
  const inbound = new Inbound({
    options, limits, handshake, features, delivery, wire,
    confirmToken: (s, c) => {
      c.expectToken(false);
      if (s.confirmToken()) journal.tokenChanged(s);
    },
  });
  const hb = options.heartbeat;
  const tick = sweepTick(hb.interval, hb.timeout, options.handshakeTimeout);
  const liveness = new Liveness({ options, conns: host.conns, sessions: registry, store, dedupe, principals, counters, wire, pings, report, early: tick });
  const idle = Math.max(options.resumeWindow, options.dedupeWindow);
  const inUse = (channel: string): boolean => channels.inUse(channel);
  const sweep = new Sweep(clock, tick, (now, stall) => guard(() => {
    liveness.tick(now, stall);
    history.sweep?.(now, idle, inUse);
    presence.tick(now);
    results.sweep?.(now);
  }));
  return { wire, journal, registry, outbound, inbound, link, sweep, dedupe, principals, addresses: new AddressCounts(), channels, calls, history, results, presence };
}
