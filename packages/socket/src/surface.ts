// The WebSocket-shaped surface of LifelineSocket: readyState constants, on<type> properties and listeners.

import { SocketEmitter } from './emitter.js';
import type {
  LifelineSocketEventMap,
  Listener,
  SocketCloseEvent,
  SocketErrorEvent,
  SocketMessageEvent,
  SocketOpenEvent,
} from './events.js';
import { ReadyState } from './transport.js';

/**
 * What code written for the browser `WebSocket` expects besides `send` and `close`: the four
 * readyState constants on the class and the instance, `on<type>` handler properties (each called
 * before the listeners of its type), and `addEventListener`/`removeEventListener`. `on()` is
 * Lifeline's addition: it returns a function that removes the listener.
 */
export abstract class SocketSurface {
  static readonly CONNECTING = ReadyState.CONNECTING;
  static readonly OPEN = ReadyState.OPEN;
  static readonly CLOSING = ReadyState.CLOSING;
  static readonly CLOSED = ReadyState.CLOSED;
  readonly CONNECTING = ReadyState.CONNECTING;
  readonly OPEN = ReadyState.OPEN;
  readonly CLOSING = ReadyState.CLOSING;
  readonly CLOSED = ReadyState.CLOSED;

  /** Called before the `open` listeners. */
  onopen: ((event: SocketOpenEvent) => void) | null = null;
  /** Called before the `message` listeners. */
  onmessage: ((event: SocketMessageEvent) => void) | null = null;
  /** Called before the `close` listeners. */
  onclose: ((event: SocketCloseEvent) => void) | null = null;
  /** Called before the `error` listeners. */
  onerror: ((event: SocketErrorEvent) => void) | null = null;

  /** Dispatches every event of the socket; listeners that throw go to `reportError`. */
  protected readonly events: SocketEmitter;

  protected constructor(reportError: (error: unknown) => void) {
    this.events = new SocketEmitter(this, reportError);
  }

  /** Listen to `type`; returns a function that removes the listener. */
  on<K extends keyof LifelineSocketEventMap>(type: K, listener: Listener<LifelineSocketEventMap[K]>): () => void {
    this.events.add(type, listener);
    return () => this.events.remove(type, listener);
  }

  addEventListener<K extends keyof LifelineSocketEventMap>(type: K, listener: Listener<LifelineSocketEventMap[K]>): void {
    this.events.add(type, listener);
  }

  removeEventListener<K extends keyof LifelineSocketEventMap>(type: K, listener: Listener<LifelineSocketEventMap[K]>): void {
    this.events.remove(type, listener);
  }
}
