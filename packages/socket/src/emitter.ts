// Builds each LifelineSocket event object and dispatches it, its on<type> property first.

import {
  EventRegistry,
  type LifelineSocketEventMap,
  type Listener,
  type SocketCloseEvent,
  type SocketState,
} from './events.js';
import type { SocketSurface } from './surface.js';

/** The fields of a `close` event that vary. */
export type CloseInfo = Pick<SocketCloseEvent, 'code' | 'reason' | 'wasClean'>;

/**
 * One method per event type, so the state machine emits in one line. Listeners that throw are
 * reported and never derail the caller (see {@link EventRegistry}). The socket is only the events'
 * `target`; of it the emitter reads nothing but the public `on<type>` properties, at dispatch time.
 */
export class SocketEmitter {
  private readonly registry: EventRegistry<LifelineSocketEventMap>;

  constructor(
    private readonly target: SocketSurface,
    reportError: (error: unknown) => void,
  ) {
    this.registry = new EventRegistry(reportError);
  }

  /** Add a listener; adding the same one twice has no effect. */
  add<K extends keyof LifelineSocketEventMap>(type: K, listener: Listener<LifelineSocketEventMap[K]>): void {
    this.registry.add(type, listener);
  }

  /** Remove a listener. */
  remove<K extends keyof LifelineSocketEventMap>(type: K, listener: Listener<LifelineSocketEventMap[K]>): void {
    this.registry.remove(type, listener);
  }

  statechange(from: SocketState, to: SocketState, reason: string): void {
    this.registry.emit('statechange', { type: 'statechange', target: this.target, from, to, reason });
  }

  open(): void {
    this.registry.emit('open', { type: 'open', target: this.target }, this.target.onopen);
  }

  message(data: unknown): void {
    this.registry.emit('message', { type: 'message', target: this.target, data }, this.target.onmessage);
  }

  close(close: CloseInfo): void {
    this.registry.emit('close', { type: 'close', target: this.target, ...close }, this.target.onclose);
  }

  error(message: string, error: unknown): void {
    this.registry.emit('error', { type: 'error', target: this.target, message, error }, this.target.onerror);
  }

  /** An `error` whose message is `context` followed by the cause's message. */
  failure(context: string, error: unknown): void {
    this.error(`${context}: ${describe(error)}`, error);
  }

  reconnecting(attempt: number, delay: number, reason: string): void {
    this.registry.emit('reconnecting', { type: 'reconnecting', target: this.target, attempt, delay, reason });
  }

  heartbeat(rtt: number): void {
    this.registry.emit('heartbeat', { type: 'heartbeat', target: this.target, rtt });
  }

  probe(): void {
    this.registry.emit('probe', { type: 'probe', target: this.target });
  }

  giveup(attempts: number, reason: string): void {
    this.registry.emit('giveup', { type: 'giveup', target: this.target, attempts, reason });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
