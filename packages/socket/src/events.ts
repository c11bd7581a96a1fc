// The socket's event objects and a tiny typed listener registry that survives throwing listeners.

import type { LifelineSocket } from './lifeline-socket.js';

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
  readonly target: LifelineSocket;
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
  giveup: GiveUpEvent;
}

/** A listener: a function or, as with DOM `EventTarget`, an object with `handleEvent`. */
export type Listener<E> = ((event: E) => void) | { handleEvent(event: E): void };

/**
 * Listeners by event type. A listener that throws is handed to `report` and the others still run,
 * so application bugs never derail the state machine that dispatched the event.
 */
export class EventRegistry<M> {
  private readonly sets: { [K in keyof M]?: Set<Listener<M[K]>> } = {};

  constructor(private readonly report: (error: unknown) => void) {}

  /** Add `listener` for `type`; adding the same listener twice has no effect, as in the DOM. */
  add<K extends keyof M>(type: K, listener: Listener<M[K]>): void {
    let set = this.sets[type];
    if (!set) this.sets[type] = set = new Set();
    set.add(listener);
  }

  remove<K extends keyof M>(type: K, listener: Listener<M[K]>): void {
    this.sets[type]?.delete(listener);
  }

  /** Call `first` (an `on<type>` property), then every listener of `type` registered at this moment. */
  emit<K extends keyof M>(type: K, event: M[K], first?: ((event: M[K]) => void) | null): void {
    if (first) this.invoke(first, event);
    const set = this.sets[type];
    if (!set || set.size === 0) return;
    // Iterate a snapshot, skipping listeners removed by an earlier one, as DOM dispatch does.
    for (const listener of [...set]) if (set.has(listener)) this.invoke(listener, event);
  }

  private invoke<E>(listener: Listener<E>, event: E): void {
    try {
      if (typeof listener === 'function') listener(event);
      else listener.handleEvent(event);
    } catch (error) {
      this.report(error);
    }
  }
}
