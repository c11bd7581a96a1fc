// @lifeline/socket: a drop-in WebSocket that stays alive against any server.
export * from './clock.js';
export * from './transport.js';
export * from './environment.js';
export * from './backoff.js';
export { CLOSE_CODE_TABLE, isRetryableCloseCode, type CloseCodeInfo } from './codes.js';
export type {
  GiveUpEvent,
  HeartbeatEvent,
  LifelineSocketEventMap,
  Listener,
  ReconnectingEvent,
  SocketCloseEvent,
  SocketErrorEvent,
  SocketMessageEvent,
  SocketOpenEvent,
  SocketState,
  StateChange,
  StateChangeEvent,
} from './events.js';
export {
  DEFAULT_HEARTBEAT,
  DEFAULT_OUTBOX,
  defaultReportError,
  type HeartbeatOptions,
  type LifelineSocketOptions,
  type OutboxOptions,
  type OverflowPolicy,
} from './options.js';
export { OutboxOverflowError, byteLengthOf, utf8ByteLength } from './outbox.js';
export { LifelineSocket, type UrlProvider } from './lifeline-socket.js';
