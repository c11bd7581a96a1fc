// The WebSocket-shaped surface of LifelineSocket: an EventTarget with the readyState constants and on<type> handlers.

import type { AddListenerOptions, BinaryType, DomEvent, DomEventTarget, Listener, ListenerOptions } from './dom-types.js';
import { SocketEmitter } from './emitter.js';
import type { LifelineSocketEventMap, SocketHandlerEventMap } from './events.js';
import { HandlerSlots, ListenerTable, type ListenerHost } from './listeners.js';
import { PLATFORM_EVENTS } from './platform-events.js';
import { ReadyState, type SendData } from './transport.js';

/**
 * `this` in an `on<type>` handler: the socket as the WebSocket API sees it, which lib.dom's
 * `WebSocket` also is (so handlers written for either fit both).
 */
export interface WebSocketThis extends DomEventTarget {
  readonly url: string;
  readonly readyState: number;
  readonly protocol: string;
  readonly extensions: string;
  readonly bufferedAmount: number;
  binaryType: BinaryType;
  send(data: SendData): void;
  close(code?: number, reason?: string): void;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
}

/**
 * The type of an `on<type>` property, whose events are typed as lib.dom's (see
 * {@link SocketHandlerEventMap}). Method-derived, so that a handler typed for richer events still fits.
 */
export type SocketHandler<E> = { bivarianceHack(this: WebSocketThis, event: E): unknown }['bivarianceHack'];

const EventTargetBase = PLATFORM_EVENTS.EventTarget;

/**
 * What code written for the browser `WebSocket` expects besides `send` and `close`: it is an
 * `EventTarget` (the platform's where there is one) with `dispatchEvent`, `addEventListener` options
 * (`once`, `signal`, `capture`), the four readyState constants as read-only properties of the class
 * and its prototype, and `on<type>` handler properties that run in registration order with the
 * listeners. `on()` is Lifeline's addition: it returns a function that removes the listener.
 * A listener or handler that throws is handed to `reportError`; the others still run.
 */
export abstract class SocketSurface extends EventTargetBase {
  declare static readonly CONNECTING: 0;
  declare static readonly OPEN: 1;
  declare static readonly CLOSING: 2;
  declare static readonly CLOSED: 3;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  /** Builds and dispatches every event of the socket. */
  protected readonly events: SocketEmitter;
  private readonly listeners: ListenerTable;
  private readonly handlers: HandlerSlots;

  protected constructor(reportError: (error: unknown) => void) {
    super();
    const host: ListenerHost = {
      target: this,
      add: (type, wrapper, options) => super.addEventListener(type, wrapper, options),
      remove: (type, wrapper, options) => super.removeEventListener(type, wrapper, options),
      report: reportError,
    };
    this.listeners = new ListenerTable(host);
    this.handlers = new HandlerSlots(host);
    this.events = new SocketEmitter((event) => void super.dispatchEvent(event), () => this.origin());
  }

  /** The origin of the current URL, for `MessageEvent.origin`. */
  protected abstract origin(): string;

  /** Called with the `open` event, in registration order with the listeners. @default null */
  get onopen(): SocketHandler<SocketHandlerEventMap['open']> | null {
    return this.handlers.get('open') as SocketHandler<SocketHandlerEventMap['open']> | null;
  }
  set onopen(handler: SocketHandler<SocketHandlerEventMap['open']> | null) {
    this.handlers.set('open', handler);
  }

  /** Called with each `message` event, in registration order with the listeners. @default null */
  get onmessage(): SocketHandler<SocketHandlerEventMap['message']> | null {
    return this.handlers.get('message') as SocketHandler<SocketHandlerEventMap['message']> | null;
  }
  set onmessage(handler: SocketHandler<SocketHandlerEventMap['message']> | null) {
    this.handlers.set('message', handler);
  }

  /** Called with each `close` event, in registration order with the listeners. @default null */
  get onclose(): SocketHandler<SocketHandlerEventMap['close']> | null {
    return this.handlers.get('close') as SocketHandler<SocketHandlerEventMap['close']> | null;
  }
  set onclose(handler: SocketHandler<SocketHandlerEventMap['close']> | null) {
    this.handlers.set('close', handler);
  }

  /** Called with each `error` event, in registration order with the listeners. @default null */
  get onerror(): SocketHandler<SocketHandlerEventMap['error']> | null {
    return this.handlers.get('error') as SocketHandler<SocketHandlerEventMap['error']> | null;
  }
  set onerror(handler: SocketHandler<SocketHandlerEventMap['error']> | null) {
    this.handlers.set('error', handler);
  }

  /** Listen to `type`; returns a function that removes the listener. */
  on<K extends keyof LifelineSocketEventMap>(type: K, listener: Listener<LifelineSocketEventMap[K]>): () => void {
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  /** As `EventTarget.addEventListener`: `options` may be `capture` or `{ capture, once, passive, signal }`. */
  override addEventListener<K extends keyof LifelineSocketEventMap>(
    type: K,
    listener: Listener<LifelineSocketEventMap[K]> | null,
    options?: boolean | AddListenerOptions,
  ): void;
  override addEventListener(type: string, listener: Listener<DomEvent> | null, options?: boolean | AddListenerOptions): void;
  override addEventListener(type: string, listener: unknown, options?: boolean | AddListenerOptions): void {
    this.listeners.add(type, listener, options);
  }

  /** As `EventTarget.removeEventListener`; `options` may be `capture` or `{ capture }`. */
  override removeEventListener<K extends keyof LifelineSocketEventMap>(
    type: K,
    listener: Listener<LifelineSocketEventMap[K]> | null,
    options?: boolean | ListenerOptions,
  ): void;
  override removeEventListener(type: string, listener: Listener<DomEvent> | null, options?: boolean | ListenerOptions): void;
  override removeEventListener(type: string, listener: unknown, options?: boolean | ListenerOptions): void {
    this.listeners.remove(type, listener, options);
  }
}

const READY_STATE_CONSTANTS = Object.fromEntries(
  Object.entries(ReadyState).map(([name, value]) => [name, { value, writable: false, enumerable: true, configurable: false }]),
);

/**
 * Define CONNECTING, OPEN, CLOSING and CLOSED on `constructor` and its prototype as WebIDL constants
 * are: read-only, enumerable, not configurable (so they cannot be deleted or overwritten).
 */
export function defineReadyStateConstants(constructor: { prototype: object }): void {
  Object.defineProperties(constructor, READY_STATE_CONSTANTS);
  Object.defineProperties(constructor.prototype, READY_STATE_CONSTANTS);
}

defineReadyStateConstants(SocketSurface);
