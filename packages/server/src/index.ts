// @lifeline/server: the transport-agnostic session engine and its thin ws binding.
export { createLifelineServer, attachLifeline, originAllowed } from './ws.js';
export type { LifelineServer, LifelineServerOptions, LifelineAttachment } from './ws.js';
export { createSessionEngine } from './engine.js';
export type {
  SessionEngine,
  EngineEvents,
  EngineStats,
  EngineState,
  EngineDependencies,
  SessionsView,
  SessionInfo,
  MessageMeta,
  ConnectionInfo,
  DisconnectInfo,
} from './api.js';
export type { Connection, ConnectionHandle } from './connection.js';
export { resolveOptions } from './options.js';
export type { ServerOptions, ResolvedOptions, RequestInfo, AuthContext, AuthenticateHook, HeartbeatOptions, OriginPolicy, RateLimitOptions } from './options.js';
export { SendError } from './session.js';
export type { Session, SendErrorCode, SessionEndReason } from './session.js';
export { InMemoryDedupeStore } from './dedupe.js';
export type { DedupeStore } from './dedupe.js';
export { InMemorySessionStore } from './store.js';
export type { SessionStore } from './store.js';
export { systemClock } from './clock.js';
export type { Clock, TimerHandle, RandomSource } from './clock.js';
