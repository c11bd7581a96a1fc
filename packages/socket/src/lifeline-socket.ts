// LifelineSocket: a WebSocket-shaped object whose link is kept alive, re-established, and never written dead.

import { checkCloseArguments } from './close-handshake.js';
import { InvalidStateError } from './errors.js';
import type { SocketState } from './events.js';
import type { UrlProvider } from './link.js';
import { resolveHeartbeat, resolveOptions, type HeartbeatOptions, type LifelineSocketOptions } from './options.js';
import { SocketMachine } from './socket-machine.js';
import { ReadyState, type SendData } from './transport.js';

export type { UrlProvider } from './link.js';

/**
 * A drop-in `WebSocket` that stays alive: a heartbeat with a wall-clock deadline detects dead links,
 * lost links are re-established with jittered backoff, network and visibility signals are obeyed,
 * and messages sent while no link is open wait in a bounded outbox. The object is the same across
 * reconnects; `open` and `close` fire for every link.
 * The state machine behind it is {@link SocketMachine}'s.
 */
export class LifelineSocket extends SocketMachine {
  /**
   * Start connecting at once, like `new WebSocket(url, protocols)`.
   * @throws TypeError when no WebSocket implementation is available or an option has the wrong type.
   * @throws RangeError when a numeric option is out of range.
   */
  constructor(urlProvider: UrlProvider, protocols?: string | string[], options?: LifelineSocketOptions) {
    if (typeof urlProvider !== 'string' && typeof urlProvider !== 'function') {
      throw new TypeError('LifelineSocket: url must be a string or a function returning one');
    }
    super(urlProvider, protocols, resolveOptions(options));
    this.environment.start();
    this.setState('connecting', 'connect-called');
    this.startAttempt(false);
  }

  // --- WebSocket API -------------------------------------------------------------------------------

  /** CONNECTING while connecting, reconnecting or offline; CLOSING during `close()`'s handshake. */
  get readyState(): ReadyState {
    switch (this.currentState) {
      case 'open':
        return ReadyState.OPEN;
      case 'closed':
        return this.closing.pending ? ReadyState.CLOSING : ReadyState.CLOSED;
      default:
        return ReadyState.CONNECTING;
    }
  }

  /** The URL of the latest attempt; '' until the first URL is resolved. */
  get url(): string {
    return this.link.url;
  }

  /** The subprotocol the latest link negotiated. */
  get protocol(): string {
    return this.link.protocol;
  }

  /** The extensions the latest link negotiated. */
  get extensions(): string {
    return this.link.extensions;
  }

  /** Applied to every link. @default 'blob' (or the transport's own default until set) */
  get binaryType(): string {
    return this.link.binaryType;
  }

  set binaryType(value: string) {
    this.link.binaryType = value;
  }

  /** Bytes the link has not yet sent plus bytes waiting in the outbox. */
  get bufferedAmount(): number {
    return this.link.bufferedAmount + this.outbox.bytes;
  }

  /**
   * Send now if a link is open and alive; otherwise queue in the outbox until the next open.
   * A link whose heartbeat deadline has passed is torn down first rather than written into.
   * @throws OutboxOverflowError when the outbox is full and `outbox.onOverflow` is `'throw'`.
   * @throws InvalidStateError after `close()` or after giving up.
   * Whatever the platform socket's own `send()` throws propagates; that message is not queued.
   */
  send(data: SendData): void {
    this.assertNotClosed();
    if (this.currentState === 'open' && this.liveness.isDead()) {
      this.linkDead('heartbeat-timeout', 'heartbeat timeout');
      this.assertNotClosed(); // a listener may have called close()
    }
    const socket = this.link.current;
    if (this.currentState === 'open' && socket && socket.readyState === ReadyState.OPEN && this.outbox.size === 0) {
      socket.send(data);
      return;
    }
    this.outbox.push(data);
    this.flushOutbox();
  }

  /**
   * Stop for good (until `reconnect()`): cancel timers and attempts, close the link with `code` if
   * one is open, and dispatch a final `close` once: when the server answers, after `closeTimeout`
   * (then the link is terminated, code 1006), or at once if no link was open. Queued messages stay
   * in the outbox. Idempotent.
   * @throws RangeError for a code other than 1000 or 3000–4999, or a reason over 123 UTF-8 bytes.
   */
  close(code = 1000, reason = ''): void {
    checkCloseArguments(code, reason);
    if (this.currentState === 'closed') return;
    const socket = this.link.current;
    const handshake = socket !== null && this.currentState === 'open' && socket.readyState === ReadyState.OPEN;
    this.dropLink(handshake ? 'keep' : 'destroy');
    this.reconnects.cancel();
    this.environment.stop();
    const gen = this.link.generation;
    if (handshake) this.closing.start(socket, code, reason);
    this.setState('closed', 'close-called');
    if (!handshake && gen === this.link.generation) this.events.close({ code, reason, wasClean: true });
  }

  // --- Lifeline API --------------------------------------------------------------------------------

  /** The current state. */
  get state(): SocketState {
    return this.currentState;
  }

  /**
   * Whether `send()` would write to an open, live link right now rather than queue: a link is open,
   * the outbox is empty and the heartbeat deadline has not passed. Asking costs nothing.
   */
  get writable(): boolean {
    const socket = this.link.current;
    return this.currentState === 'open' && socket !== null && socket.readyState === ReadyState.OPEN && this.outbox.size === 0 && !this.liveness.isDead();
  }

  /** Messages waiting in the outbox. */
  get outboxSize(): number {
    return this.outbox.size;
  }

  /**
   * Connect now, whatever the state: an open link is closed and replaced (one attempt), a pending
   * attempt runs at once, an attempt in flight is restarted, and after `closed` everything starts
   * again from attempt 0.
   */
  reconnect(reason = 'reconnect-called'): void {
    switch (this.currentState) {
      case 'closed':
        return this.restart(reason);
      case 'open':
        return this.replaceLink(reason);
      case 'connecting':
        return this.startAttempt(false);
      case 'reconnecting':
        if (this.link.attemptInFlight) return this.startAttempt(false);
        return this.attemptNow(reason);
      case 'offline':
        return this.leaveOffline(reason);
    }
  }

  /**
   * Check the link now: send a ping (and dispatch `probe`) and require life within
   * `heartbeat.timeout`. In passive mode without `heartbeat.probe` only the deadline is checked.
   * Does nothing unless open with a heartbeat; while a probe is outstanding (nothing heard since),
   * another sends no second ping and keeps the first deadline.
   */
  probe(): void {
    if (this.currentState === 'open') this.liveness.probe();
  }

  /**
   * Replace the heartbeat configuration (e.g. with the interval a server announced). An open link
   * switches at once, keeping its last alive time.
   * @throws TypeError | RangeError for invalid options, as at construction.
   */
  setHeartbeat(options: false | HeartbeatOptions): void {
    this.liveness.configure(resolveHeartbeat(options), this.currentState === 'open');
  }

  /**
   * A server asked us to come back no sooner than `ms` from now (e.g. with close code 1012/1013):
   * the next reconnect delay is `retryAfterDelay(ms, backoff.cap)` instead of backoff.
   * @throws RangeError unless `ms` is a finite number >= 0.
   */
  retryAfter(ms: number): void {
    this.reconnects.retryAfter(ms);
  }

  private assertNotClosed(): void {
    if (this.currentState !== 'closed') return;
    throw new InvalidStateError('LifelineSocket is closed; call reconnect() to use it again');
  }
}
