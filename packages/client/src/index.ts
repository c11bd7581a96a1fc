// @lifeline/client: the Lifeline session client (resume, acknowledged delivery, exactly-once in order).
export { LifelineClient, type SendOptions } from './client.js';
export { CLIENT_ERROR_CODES, LifelineError, type LifelineErrorCode, type LifelineErrorDetails, type SendErrorCode } from './errors.js';
export type {
  ClientState,
  ClientStateChange,
  CloseInfo,
  GiveUpInfo,
  HandshakePhase,
  LifelineClientEventMap,
  PhaseChange,
  ReconnectingInfo,
  ServerMessageMeta,
  SessionInfo,
} from './events.js';
export type { ClientFeature, ServerHandlerTable } from './features.js';
export { DEFAULT_ACK_EVERY, DEFAULT_CLIENT_OUTBOX, type LifelineClientOptions } from './options.js';
export { Subscription } from './subscription.js';
export type { SubscriptionState, SubscriptionChange, SubscriptionEventMap, PublicationMeta, SubscribedInfo } from './subscription.js';
export type { SubscribeOptions } from './channels.js';
export { DEFAULT_CALL_TIMEOUT, type CallOptions } from './rpc.js';
export type { OutboxStorage, StoredMessage } from './storage/outbox-storage.js';
export { indexedDbOutbox, type IndexedDbFactory } from './storage/indexeddb.js';
export { keyValueOutbox, type KeyValueStore } from './storage/key-value.js';
