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
  readonly message?: string;
  readonly error?: unknown;
}

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
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: TransportMessageEvent) => void) | null;
  onclose: ((event: TransportCloseEvent) => void) | null;
  onerror: ((event: TransportErrorEvent) => void) | null;
  send(data: SendData): void;
  close(code?: number, reason?: string): void;
  /** Present on `ws` sockets: destroy the TCP connection without a closing handshake. */
  terminate?: () => void;
}

/** A constructor compatible with the browser `WebSocket` (the global one, `ws`, or an adapter). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The `readyState` values of the WebSocket API. */
export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];
