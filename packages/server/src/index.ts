// @lifeline/server: the transport-agnostic session engine and its seams. The ws binding is `@lifeline/server/ws`.
export { createSessionEngine } from './engine.js';
export type {
  SessionEngine,
  EngineEvents,
  EngineStats,
  EngineState,
  EngineDependencies,
  SessionsView,
  SessionStartInfo,
  ClientMessageMeta,
  ConnectionInfo,
  DisconnectInfo,
} from './api.js';
export type { Connection, ConnectionHandle } from './connection.js';
export { resolveOptions } from './options-resolve.js';
export type { ServerOptions, ResolvedOptions, RequestInfo, AuthContext, AuthenticateHook, ServerHeartbeatOptions, OriginPolicy, RateLimitOptions } from './options.js';
export { originAllowed } from './origin.js';
export { SendError } from './session-view.js';
export type { Session, SendErrorCode, SessionEndReason } from './session-view.js';
export type { SessionRecord, SessionChange, UnackedFrame } from './record.js';
export { InMemorySessionStore } from './store.js';
export type { SessionStore } from './store.js';
export { InMemoryDedupeStore } from './dedupe-memory.js';
export type { DedupeStore, DedupeClaim, ClaimResult } from './dedupe.js';
export { InMemoryBroker } from './broker.js';
export type { Broker, BrokerListener, BrokerPayload } from './broker.js';
export { BROADCAST_TOPIC, nodeTopic } from './broker-link.js';
export { monotonicClock, type Clock, type TimerHandle, type RandomSource } from '@lifeline/core';
export { InMemoryChannelHistory } from './channels/history.js';
export type { ChannelHistory, HistoryLimits, HistoryRead, StoredPublication } from './channels/history.js';
export { channelTopic } from './channels/channels.js';
export type { ChannelOptions, ChannelContext, ChannelVerdict, AuthorizeHook, PublishHook, PublishVerdict, ResolvedChannelOptions } from './channels/options.js';
export { CallError } from './rpc/options.js';
export type { RpcOptions, CallHandler, CallContext, ResolvedRpcOptions } from './rpc/options.js';
export { InMemoryResultStore } from './rpc/results.js';
export type { ResultStore, CallOutcome } from './rpc/results.js';
export { InMemoryPresenceStore } from './presence/store.js';
export type { PresenceStore, LastSeenLimits } from './presence/store.js';
export type { PresenceOptions, PresenceQueryContext, ResolvedPresenceOptions } from './presence/options.js';
export { presenceTopic } from './channels/channel-presence.js';
export type { Feature, FeatureMessage, HandlerTable, KindHandler, MessageHandler, MessageKind, SessionHooks, AttachInfo } from './features.js';
