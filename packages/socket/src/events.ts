// The socket's event objects and a tiny typed listener registry that survives throwing listeners.

import { Emitter } from '@lifeline/core';
import type { SocketSurface } from './surface.js';

/**
 * Where a {@link LifelineSocket} stands.
 * - `connecting`: the first attempt (after construction, or `reconnect()` after `closed`).
 * - `open`: a link is up; `send()` writes straight to it.
 * - `reconnecting`: a link was lost or an attempt failed; waiting for the next attempt or making it.
 * - `offline`: the environment reports no network; no attempts until it comes back.
 * - `closed`: `close()` was called or Lifeline gave up; nothing happens until `reconnect()`.
 */
export type SocketState = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed';

/** One transition of {@link SocketState}; `reason` is a short kebab-case string such as `closed:1006`. */
export interface StateChange {
  from: SocketState;
  to: SocketState;
  reason: string;
}

interface BaseEvent<T extends string> {
  readonly type: T;
  readonly target: SocketSurface;
}

/** A link opened (every time, not only the first). */
export type SocketOpenEvent = BaseEvent<'open'>;

/** An application message arrived (heartbeat pongs are never dispatched). */
export interface SocketMessageEvent extends BaseEvent<'message'> {
  readonly data: unknown;
}

/** A link was lost or an attempt failed, or the final close after `close()`. */
export interface SocketCloseEvent extends BaseEvent<'close'> {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** Something went wrong; informational only, the state machine never acts on it. */
export interface SocketErrorEvent extends BaseEvent<'error'> {
  readonly message: string;
  readonly error?: unknown;
}

/** The state changed. */
export interface StateChangeEvent extends BaseEvent<'statechange'>, Readonly<StateChange> {}

/** Attempt number `attempt` (1-based since the last stable link) starts in `delay` ms. */
export interface ReconnectingEvent extends BaseEvent<'reconnecting'> {
  readonly attempt: number;
  readonly delay: number;
  readonly reason: string;
}

/** A pong answered a ping after `rtt` ms. */
export interface HeartbeatEvent extends BaseEvent<'heartbeat'> {
  readonly rtt: number;
}

/**
 * The socket doubts the link (back online, visible again, a wake from sleep, or `probe()`) and
 * requires life within `heartbeat.timeout`; with `heartbeat.message: null` this is the owner's cue
 * to send its own ping.
 */
export type ProbeEvent = BaseEvent<'probe'>;

/** Lifeline stopped reconnecting: `max-attempts` or `terminal-code:<code>`. */
export interface GiveUpEvent extends BaseEvent<'giveup'> {
  readonly attempts: number;
  readonly reason: string;
}

/** Every event a {@link LifelineSocket} dispatches, by type. */
export interface LifelineSocketEventMap {
  open: SocketOpenEvent;
  message: SocketMessageEvent;
  close: SocketCloseEvent;
  error: SocketErrorEvent;
  statechange: StateChangeEvent;
  reconnecting: ReconnectingEvent;
  heartbeat: HeartbeatEvent;
  probe: ProbeEvent;
  giveup: GiveUpEvent;
}

/** A listener: a function or, as with DOM `EventTarget`, an object with `handleEvent`. */
export type Listener<E> = ((event: E) => void) | { handleEvent(event: E): void };

/**
 * Listeners by event type, with DOM `EventTarget` semantics on top of the one {@link Emitter}: adding
 * the same listener twice has no effect, and `handleEvent` objects are called as methods. A listener
 * that throws is handed to `report` and the others still run.
 */
export class EventRegistry<M> {
  private readonly emitter: Emitter<{ [K in keyof M & string]: [M[K]] }>;
  private readonly added = new Map<keyof M, Map<Listener<never>, () => void>>();

  constructor(private readonly report: (error: unknown) => void) {
    this.emitter = new Emitter((error) => report(error));
  }

  /** Add `listener` for `type`; adding the same listener twice has no effect, as in the DOM. */
  add<K extends keyof M & string>(type: K, listener: Listener<M[K]>): void {
    let byListener = this.added.get(type);
    if (!byListener) this.added.set(type, (byListener = new Map()));
    if (byListener.has(listener)) return;
    const call = typeof listener === 'function' ? listener : (event: M[K]) => listener.handleEvent(event);
    byListener.set(listener, this.emitter.on(type, call as never));
  }

  remove<K extends keyof M & string>(type: K, listener: Listener<M[K]>): void {
    const byListener = this.added.get(type);
    byListener?.get(listener)?.();
    byListener?.delete(listener);
  }

  /** Call `first` (an `on<type>` property), then every listener of `type` registered at this moment. */
  emit<K extends keyof M & string>(type: K, event: M[K], first?: ((event: M[K]) => void) | null): void {
    if (first) {
      try {
        first(event);
      } catch (error) {
        this.report(error);
      }
    }
    (this.emitter.emit as (type: K, event: M[K]) => void)(type, event);
  }
}
