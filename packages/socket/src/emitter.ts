// Builds each LifelineSocket event (a real Event of the platform's classes) and hands it to dispatch.

import type { DomEvent } from './dom-types.js';
import type { GiveUpEvent, HeartbeatEvent, ReconnectingEvent, SocketCloseEvent, SocketErrorEvent, SocketState, StateChangeEvent } from './events.js';
import { PLATFORM_EVENTS } from './platform-events.js';

/** The fields of a `close` event that vary. */
export type CloseInfo = Pick<SocketCloseEvent, 'code' | 'reason' | 'wasClean'>;

const { Event: EventBase, MessageEvent, CloseEvent } = PLATFORM_EVENTS;

class LifelineErrorEvent extends EventBase implements SocketErrorEvent {
  declare readonly type: 'error';
  constructor(
    readonly message: string,
    readonly error: unknown,
  ) {
    super('error');
  }
}

class LifelineStateChangeEvent extends EventBase implements StateChangeEvent {
  declare readonly type: 'statechange';
  constructor(
    readonly from: SocketState,
    readonly to: SocketState,
    readonly reason: string,
  ) {
    super('statechange');
  }
}

class LifelineReconnectingEvent extends EventBase implements ReconnectingEvent {
  declare readonly type: 'reconnecting';
  constructor(
    readonly attempt: number,
    readonly delay: number,
    readonly reason: string,
  ) {
    super('reconnecting');
  }
}

class LifelineHeartbeatEvent extends EventBase implements HeartbeatEvent {
  declare readonly type: 'heartbeat';
  constructor(readonly rtt: number) {
    super('heartbeat');
  }
}

class LifelineGiveUpEvent extends EventBase implements GiveUpEvent {
  declare readonly type: 'giveup';
  constructor(
    readonly attempts: number,
    readonly reason: string,
  ) {
    super('giveup');
  }
}

/**
 * One method per event type, so the state machine emits in one line. `open` is a plain `Event`,
 * `message` a `MessageEvent`, `close` a `CloseEvent`, as the platform's; Lifeline's own events are
 * `Event` subclasses carrying their fields. Listeners that throw are reported by the socket's
 * listener wrappers and never derail the caller.
 */
export class SocketEmitter {
  constructor(
    private readonly dispatch: (event: DomEvent) => void,
    /** The origin of the current link's URL, for `MessageEvent.origin`. */
    private readonly origin: () => string,
  ) {}

  statechange(from: SocketState, to: SocketState, reason: string): void {
    this.dispatch(new LifelineStateChangeEvent(from, to, reason));
  }

  open(): void {
    this.dispatch(new EventBase('open'));
  }

  message(data: unknown): void {
    this.dispatch(new MessageEvent('message', { data, origin: this.origin() }));
  }

  close(close: CloseInfo): void {
    this.dispatch(new CloseEvent('close', { code: close.code, reason: close.reason, wasClean: close.wasClean }));
  }

  error(message: string, error: unknown): void {
    this.dispatch(new LifelineErrorEvent(message, error));
  }

  /** An `error` whose message is `context` followed by the cause's message. */
  failure(context: string, error: unknown): void {
    this.error(`${context}: ${describe(error)}`, error);
  }

  reconnecting(attempt: number, delay: number, reason: string): void {
    this.dispatch(new LifelineReconnectingEvent(attempt, delay, reason));
  }

  heartbeat(rtt: number): void {
    this.dispatch(new LifelineHeartbeatEvent(rtt));
  }

  probe(): void {
    this.dispatch(new EventBase('probe'));
  }

  giveup(attempts: number, reason: string): void {
    this.dispatch(new LifelineGiveUpEvent(attempts, reason));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
