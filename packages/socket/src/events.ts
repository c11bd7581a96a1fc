// The socket's states and the types of the events it dispatches (real Events: see platform-events.ts).

import type { DomEvent, MessageData } from './dom-types.js';

export type { Listener } from './dom-types.js';

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

/** An `Event` of type `T`, dispatched with the socket as `target`. */
export interface SocketEvent<T extends string = string> extends DomEvent {
  readonly type: T;
}

/** A link opened (every time, not only the first). A plain `Event`, as the platform's. */
export type SocketOpenEvent = SocketEvent<'open'>;

/**
 * An application message arrived (heartbeat pongs are never dispatched). A `MessageEvent` whose
 * `origin` is the socket URL's; `data` is typed as lib.dom types it (see {@link MessageData}).
 */
export interface SocketMessageEvent extends SocketEvent<'message'> {
  readonly data: MessageData;
  readonly origin: string;
  readonly lastEventId: string;
  readonly source: null;
  readonly ports: readonly never[];
}

/** A link was lost or an attempt failed, or the final close after `close()`. A `CloseEvent`. */
export interface SocketCloseEvent extends SocketEvent<'close'> {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/**
 * Something went wrong; informational only, the state machine never acts on it. An `Event` (as the
 * platform's) that also says what happened.
 */
export interface SocketErrorEvent extends SocketEvent<'error'> {
  readonly message: string;
  /** The platform's error event or the exception behind it, if any. */
  readonly error: unknown;
}

/** The state changed. */
export interface StateChangeEvent extends SocketEvent<'statechange'>, Readonly<StateChange> {}

/** Attempt number `attempt` (1-based since the last stable link) starts in `delay` ms. */
export interface ReconnectingEvent extends SocketEvent<'reconnecting'> {
  readonly attempt: number;
  readonly delay: number;
  readonly reason: string;
}

/** A pong answered a ping after `rtt` ms. */
export interface HeartbeatEvent extends SocketEvent<'heartbeat'> {
  readonly rtt: number;
}

/**
 * The socket doubts the link (back online, visible again, a wake from sleep, or `probe()`) and
 * requires life within `heartbeat.timeout`; with `heartbeat.message: null` this is the owner's cue
 * to send its own ping.
 */
export type ProbeEvent = SocketEvent<'probe'>;

/** Lifeline stopped reconnecting: `max-attempts`, `terminal-code:<code>` or `invalid-url`. */
export interface GiveUpEvent extends SocketEvent<'giveup'> {
  readonly attempts: number;
  readonly reason: string;
}

/**
 * What the `on<type>` handler properties receive, typed as lib.dom types it (a plain `type: string`,
 * a plain `Event` for `error`) so that lib.dom's `WebSocket` handlers and ours are interchangeable.
 * At runtime they are the events of {@link LifelineSocketEventMap}; `addEventListener` and `on()`
 * have the precise types.
 */
export interface SocketHandlerEventMap {
  open: DomEvent;
  message: DomEvent & { readonly data: MessageData; readonly origin: string; readonly lastEventId: string };
  close: DomEvent & { readonly code: number; readonly reason: string; readonly wasClean: boolean };
  /** `message` and `error` are set on Lifeline's own error events, not on one an application dispatches. */
  error: DomEvent & { readonly message?: string; readonly error?: unknown };
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
