// @lifeline/socket: a drop-in WebSocket that stays alive against any server.
export { systemClock, type Clock, type TimerHandle, type RandomSource } from '@lifeline/core';
export * from './transport.js';
export * from './environment.js';
export * from './backoff.js';
export { SOCKET_CLOSE_CODES, socketRetries, type SocketCloseCodeInfo } from './codes.js';
export type {
  GiveUpEvent,
  HeartbeatEvent,
  LifelineSocketEventMap,
  Listener,
  ProbeEvent,
  ReconnectingEvent,
  SocketCloseEvent,
  SocketErrorEvent,
  SocketEvent,
  SocketHandlerEventMap,
  SocketMessageEvent,
  SocketOpenEvent,
  SocketState,
  StateChange,
  StateChangeEvent,
} from './events.js';
export {
  DEFAULT_SOCKET_HEARTBEAT,
  DEFAULT_OUTBOX,
  defaultReportError,
  type HeartbeatOptions,
  type LifelineSocketOptions,
  type OutboxOptions,
  type OverflowPolicy,
} from './options.js';
export { byteLengthOf } from './outbox.js';
export { InvalidStateError, OutboxOverflowError, type DOMExceptionLike } from './errors.js';
export { FOREIGN_OPTIONS } from './option-names.js';
export type { AddListenerOptions, BinaryType, DomEvent, DomEventTarget, ListenerOptions, MessageData } from './dom-types.js';
export { SocketSurface, type SocketHandler } from './surface.js';
export { LifelineSocket, type UrlProvider } from './lifeline-socket.js';
