// The transport seam: the minimal WebSocket surface Lifeline needs from a platform socket.

/** Payload types a WebSocket can send. */
export type SendData = string | ArrayBufferLike | ArrayBufferView | Blob;

/** The `Blob` type without requiring DOM typings. */
export interface Blob {
  readonly size: number;
  readonly type: string;
}

/** The event shapes a transport delivers; only the fields Lifeline reads are required. */
export interface TransportMessageEvent {
  readonly data: unknown;
}
export interface TransportCloseEvent {
  readonly code?: number;
  readonly reason?: string;
  readonly wasClean?: boolean;
}
export interface TransportErrorEvent {
  // `type` lets a DOM `Event` (which has neither `message` nor `error`) match this shape.
  readonly type?: string;
  readonly message?: string;
  readonly error?: unknown;
}

/**
 * A handler property type that the DOM's `(ev: Event) => any` and `ws`'s handlers are assignable to.
 * Function-typed properties are checked contravariantly, which would reject every platform socket
 * whose events are richer than ours; a method-derived type is checked bivariantly instead.
 */
export type TransportHandler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/**
 * What Lifeline needs from a platform WebSocket (the browser `WebSocket`, `ws`, React Native's, or an
 * adapter around a mini-program socket). Handlers are assigned as properties, which every one of
 * those platforms supports.
 */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol?: string;
  readonly extensions?: string;
  readonly bufferedAmount?: number;
  binaryType?: string;
  onopen: TransportHandler<unknown> | null;
  onmessage: TransportHandler<TransportMessageEvent> | null;
  onclose: TransportHandler<TransportCloseEvent> | null;
  onerror: TransportHandler<TransportErrorEvent> | null;
  /**
   * Lifeline passes exactly the {@link SendData} its own `send()` was given. Typed `unknown` so that
   * sockets declaring their payloads differently fit (`ws` takes `BufferLike`, whose Node `Blob` our
   * DOM-free `Blob` cannot match).
   */
  send(data: unknown): void;
  close(code?: number, reason?: string): void;
  /** Present on `ws` sockets: destroy the TCP connection without a closing handshake. */
  terminate?: () => void;
}

/** A constructor compatible with the browser `WebSocket` (the global one, `ws`, or an adapter). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The `readyState` values of the WebSocket API. */
export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

/** Marks the LifelineSocket class; `Symbol.for`, so a second copy of this package recognises the first's. */
export const LIFELINE_SOCKET_MARK: unique symbol = Symbol.for('@lifeline/socket.LifelineSocket');

// Captured when this module loads, before an application can replace the global with LifelineSocket.
const loadedWebSocket = (globalThis as { WebSocket?: unknown }).WebSocket;

function isTransport(candidate: unknown): candidate is WebSocketConstructor {
  return typeof candidate === 'function' && (candidate as { [LIFELINE_SOCKET_MARK]?: unknown })[LIFELINE_SOCKET_MARK] !== true;
}

/**
 * The default transport: the global `WebSocket` as it was when this module loaded, else the global
 * one now (a polyfill installed later), never a LifelineSocket: with `window.WebSocket =
 * LifelineSocket` each socket would otherwise build another as its transport, without end.
 * `undefined` when there is none.
 */
export function defaultWebSocket(
  atLoad: unknown = loadedWebSocket,
  now: unknown = (globalThis as { WebSocket?: unknown }).WebSocket,
): WebSocketConstructor | undefined {
  if (isTransport(atLoad)) return atLoad;
  return isTransport(now) ? now : undefined;
}
