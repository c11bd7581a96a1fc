// Public types of the session engine: its events, stats and interface.

import type { Json, ResumeFailure } from '@lifeline/protocol';
import type { ConnState, Connection, ConnectionHandle } from './connection.js';
import type { DedupeStore } from './dedupe.js';
import type { RequestInfo, ResolvedOptions } from './options.js';
import type { Session, SessionEndReason } from './session.js';
import type { SessionStore } from './store.js';

/** How a session came to be, as told to the `session` listener. */
export interface SessionInfo {
  /** True when an existing session continues with nothing lost. */
  readonly resumed: boolean;
  /** Why the session is fresh (`new`, or why the resume failed); absent when resumed. */
  readonly reason?: ResumeFailure;
}

/** Position of a client message within its session. */
export interface MessageMeta {
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

/** Events of the engine (and of the ws server). */
export type EngineEvents = {
  /** A session is ready on a connection: fresh (`resumed: false` with a reason) or resumed. */
  session: [session: Session, info: SessionInfo];
  /** A client message, delivered exactly once per session and in order (and once per idempotency key). */
  message: [session: Session, data: Json, meta: MessageMeta];
  /** A session ended for good. Its pending sends are rejected. */
  sessionclose: [session: Session, reason: SessionEndReason];
  connection: [info: ConnectionInfo];
  disconnect: [info: DisconnectInfo];
  /**
   * A listener threw, or the engine hit an unexpected condition. Only annotates: nothing crashes.
   * With no `error` listener the error goes to `console.error`.
   */
  error: [error: unknown, context: string];
};

/** Counters for tests and operators. Totals count since the engine started. */
export interface EngineStats {
  /** Connections now held (any phase before closed). */
  readonly connections: number;
  /** Sessions now held (attached or waiting for resume). */
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
  /** Sweeps that found the event loop had stalled. */
  readonly stalls: number;
  readonly dedupeKeys: number;
}

/** Iterable view of the live sessions. */
export interface SessionsView extends Iterable<Session> {
  readonly size: number;
  get(id: string): Session | undefined;
}

/** Engine lifecycle: accepting; draining after `close()`; closed. */
export type EngineState = 'running' | 'draining' | 'closed';

/** The session engine, independent of any transport. */
export interface SessionEngine {
  /** Options after defaults. */
  readonly options: ResolvedOptions;
  readonly state: EngineState;
  /** Hand a new transport connection to the engine. Never throws. */
  accept(connection: Connection, request: RequestInfo): ConnectionHandle;
  /** Subscribe; returns the unsubscribe function. */
  on<K extends keyof EngineEvents>(event: K, listener: (...args: EngineEvents[K]) => void): () => void;
  readonly sessions: SessionsView;
  /** Send `data` to every live session (attached or waiting for resume); returns how many took it. */
  broadcast(data: Json): number;
  stats(): EngineStats;
  /**
   * Stop accepting, close every connection with `goaway` + 1012 at random times over `drain` ms,
   * wait for them to close (stragglers are terminated min(heartbeat.timeout, 2 s) after the window), then end every
   * session (`shutdown`) and stop the sweep. Idempotent. @default drain = options.drainWindow
   */
  close(options?: { drain?: number }): Promise<void>;
  /** Route an adapter's error to the `error` event (or console.error without a listener). */
  report(error: unknown, context: string): void;
}

/** Extra wiring for tests and embedders; the defaults are in-memory. */
export interface EngineDependencies {
  readonly store?: SessionStore<ConnState>;
  readonly dedupe?: DedupeStore;
}
