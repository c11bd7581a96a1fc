// Public types of the session engine: its events, stats, dependencies and interface.

import type {
  AnySchema,
  ChannelData,
  ChannelName,
  DownOf,
  IdentityPresence,
  MethodName,
  ParamsOf,
  PresenceMember,
  ResultOf,
  ResumeFailure,
  Schema,
  StreamPosition,
  UpOf,
} from '@lifeline/protocol';
import type { PresenceStore } from './presence/store.js';
import type { ChannelHistory } from './channels/history.js';
import type { CallHandler } from './rpc/options.js';
import type { ResultStore } from './rpc/results.js';
import type { Broker } from './broker.js';
import type { Connection, ConnectionHandle } from './connection.js';
import type { DedupeStore } from './dedupe.js';
import type { RequestInfo, ResolvedOptions } from './options.js';
import type { Session, SessionEndReason } from './session-view.js';
import type { SessionStore } from './store.js';

/** How a session came to be on a connection, as told to the `session` listener. */
export interface SessionStartInfo {
  /** True when an existing session continues with nothing lost. */
  readonly resumed: boolean;
  /** Why the session is fresh (`new`, or why the resume failed); absent when resumed. */
  readonly reason?: ResumeFailure;
}

/** Position of a client message within its session (the server's view of a client `msg`). */
export interface ClientMessageMeta {
  readonly seq: number;
  readonly key?: string;
}

/** A connection the engine accepted. */
export interface ConnectionInfo {
  readonly connectionId: number;
  readonly request: RequestInfo;
}

/** A connection that ended; `by` says which side closed it first. */
export interface DisconnectInfo {
  readonly connectionId: number;
  readonly sessionId?: string;
  readonly code: number;
  readonly reason: string;
  readonly by: 'server' | 'client';
}

/** Events of the engine (and of the ws server); `S` types the message data (see `Schema`). */
export type EngineEvents<S extends Schema = AnySchema> = {
  /** A session is ready on a connection: fresh (`resumed: false` with a reason) or resumed. */
  session: [session: Session<S>, info: SessionStartInfo];
  /** A client message, delivered exactly once per session and in order (and once per idempotency key). */
  message: [session: Session<S>, data: UpOf<S>, meta: ClientMessageMeta];
  /** A session this node held ended (for good, or here: see {@link SessionEndReason}). Its pending sends are rejected. */
  sessionclose: [session: Session<S>, reason: SessionEndReason];
  connection: [info: ConnectionInfo];
  disconnect: [info: DisconnectInfo];
  /**
   * A listener threw, or the engine hit an unexpected condition (a store or broker failure among
   * them). Only annotates: nothing crashes. With no `error` listener the error goes to `console.error`.
   */
  error: [error: unknown, context: string];
};

/** Counters for tests and operators. Totals count since the engine started. */
export interface EngineStats {
  /** Connections now held (any phase before closed). */
  readonly connections: number;
  /** Sessions this node holds now (attached or waiting for resume). */
  readonly sessions: number;
  readonly accepted: number;
  /** Connections refused at admission (capacity) or while draining. */
  readonly rejected: number;
  readonly sessionsCreated: number;
  readonly sessionsEnded: number;
  readonly resumed: number;
  /** Resumes that got a fresh session instead (any reason but `new`). */
  readonly resumeFailed: number;
  /** Connections terminated by the liveness sweep. */
  readonly terminated: number;
  readonly handshakeTimeouts: number;
  readonly authFailures: number;
  readonly slowConsumers: number;
  readonly rateLimited: number;
  readonly overflows: number;
  /** Frames answered with `error`. */
  readonly violations: number;
  /** Client messages dropped as replays of a delivered seq. */
  readonly duplicates: number;
  /** Client messages not handed to the app because their idempotency key was applied before. */
  readonly deduplicated: number;
  /** Client messages refused for good (`key-conflict`, `too-many-keys`): reported to the client, never applied. */
  readonly refused: number;
  /** Sweeps that found the event loop had stalled. */
  readonly stalls: number;
  /** Store writes (or dedupe claims) that failed; their sessions were dropped here. */
  readonly storeFailures: number;
  /** Sessions resumed here that another node held (it was told to let go). */
  readonly takeovers: number;
  /** Idempotency keys remembered, when the dedupe store can tell (else 0). */
  readonly dedupeKeys: number;
  /** Channels with a subscriber on this node now. */
  readonly channels: number;
}

/** Iterable view of the sessions this node holds. */
export interface SessionsView<S extends Schema = AnySchema> extends Iterable<Session<S>> {
  readonly size: number;
  get(id: string): Session<S> | undefined;
}

/** Engine lifecycle: accepting; draining after `close()`; closed. */
export type EngineState = 'running' | 'draining' | 'closed';

/**
 * The session engine, independent of any transport and of any runtime but a JavaScript one. `S`
 * (see `Schema`) types message data both ways, channel payloads and RPC methods.
 */
export interface SessionEngine<S extends Schema = AnySchema> {
  /** Options after defaults. */
  readonly options: ResolvedOptions;
  readonly state: EngineState;
  /** Hand a new transport connection to the engine. Never throws. */
  accept(connection: Connection, request: RequestInfo): ConnectionHandle;
  /** Subscribe; returns the unsubscribe function. */
  on<K extends keyof EngineEvents<S>>(event: K, listener: (...args: EngineEvents<S>[K]) => void): () => void;
  readonly sessions: SessionsView<S>;
  /**
   * Send `data` to every session of every node sharing the broker (attached or waiting for resume),
   * as one broker publish. Resolves once the broker took it; rejects with a TypeError for data JSON
   * cannot carry.
   */
  broadcast(data: DownOf<S>): Promise<void>;
  /**
   * Publish `data` on `channel` to its subscribers on every node sharing the broker: appended to the
   * channel's history (its next offset), then framed once. Resolves with its position once the broker
   * took it; rejects with a TypeError for an invalid channel name or data JSON cannot carry.
   */
  publish<C extends ChannelName<S>>(channel: C, data: ChannelData<S, C>): Promise<StreamPosition>;
  /** End `session`'s subscription to `channel` here (its client is told `unsubscribed`); false when it had none. */
  unsubscribe(session: Session<S>, channel: string): boolean;
  /** Register the RPC handler of `method` (replacing one; `undefined` removes it). Names starting with `$` are reserved. */
  handle<M extends MethodName<S>>(method: M, handler: CallHandler<ParamsOf<S, M>, ResultOf<S, M>> | undefined): void;
  /** Presence of `identity` across its devices: online, device count, and when last seen while offline. */
  presence(identity: string): Promise<IdentityPresence>;
  /** The members of a channel with presence (at most `presence.maxSnapshot`). */
  members(channel: string): Promise<PresenceMember[]>;
  stats(): EngineStats;
  /**
   * Stop accepting, close every connection with `goaway` + 1012 at random times over `drain` ms,
   * wait for them to close (stragglers are terminated min(heartbeat.timeout, 2 s) after the window),
   * let the session store catch up, then let go of every session (`shutdown`: their records stay for
   * another node to resume) and stop the sweep. Idempotent. @default drain = options.drainWindow
   */
  close(options?: { drain?: number }): Promise<void>;
  /** Route an adapter's error to the `error` event (or console.error without a listener). */
  report(error: unknown, context: string): void;
}

/**
 * The engine's seams; each defaults to an in-memory implementation for one process. Share one store
 * and one broker between engines (in one process or, with a remote implementation, across machines)
 * and any of them resumes any session.
 */
export interface EngineDependencies {
  /** Session records. @default new InMemorySessionStore() */
  readonly store?: SessionStore;
  /** Applied idempotency keys. @default new InMemoryDedupeStore(dedupeWindow, dedupeMaxKeys, dedupeMaxKeysPerIdentity) */
  readonly dedupe?: DedupeStore;
  /** Fan-out between nodes (broadcast, channels, takeover). @default new InMemoryBroker() */
  readonly broker?: Broker;
  /** Channel positions and histories. @default new InMemoryChannelHistory() */
  readonly history?: ChannelHistory;
  /** RPC outcomes for retries. @default new InMemoryResultStore(dedupeWindow, rpc.maxResultsPerIdentity) */
  readonly results?: ResultStore;
  /** Presence and last-seen times. @default new InMemoryPresenceStore({ max: presence.maxLastSeen, maxAge: presence.lastSeenAge }) */
  readonly presence?: PresenceStore;
}
