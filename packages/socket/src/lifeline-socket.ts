// LifelineSocket: a WebSocket-shaped object whose link is kept alive, re-established, and never written dead.

import { checkCloseArguments, checkProtocols, parseWebSocketUrl, toSendData, toUSVString } from './api-arguments.js';
import type { BinaryType } from './dom-types.js';
import { InvalidStateError } from './errors.js';
import type { SocketState } from './events.js';
import type { UrlProvider } from './link.js';
import { resolveHeartbeat, resolveOptions, type HeartbeatOptions, type LifelineSocketOptions } from './options.js';
import { SocketMachine } from './socket-machine.js';
import { defineReadyStateConstants } from './surface.js';
import { LIFELINE_SOCKET_MARK, ReadyState, type SendData } from './transport.js';

export type { UrlProvider } from './link.js';

/**
 * A drop-in `WebSocket` that stays alive: a heartbeat with a wall-clock deadline detects dead links,
 * lost links are re-established with jittered backoff, network and visibility signals are obeyed,
 * and messages sent while no link is open wait in a bounded outbox. The object is the same across
 * reconnects; `open` and `close` fire for every link. It is an `EventTarget` dispatching the
 * platform's `Event`, `MessageEvent` and `CloseEvent`; where it deliberately differs from
 * `WebSocket` is listed in docs/SOCKET-DROP-IN.md.
 * The state machine behind it is {@link SocketMachine}'s.
 */
export class LifelineSocket extends SocketMachine {
  /**
   * Start connecting at once, like `new WebSocket(url, protocols)`. A string URL is parsed as the
   * platform does (relative to the document, `http(s):` becoming `ws(s):`); a function's URLs are
   * parsed per attempt, and an invalid one gives up (`giveup` with reason `invalid-url`).
   * @throws SyntaxError (a DOMException) for an invalid URL or protocols, as `new WebSocket` does.
   * @throws TypeError when no WebSocket implementation is available, an option is unknown, or an
   * option has the wrong type.
   * @throws RangeError when a numeric option is out of range.
   */
  constructor(urlProvider: UrlProvider | { readonly href: string }, protocols?: string | string[], options?: LifelineSocketOptions) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'LifelineSocket': 1 argument required, but only 0 present.");
    // Anything but a function is a URL, converted to a string as WebIDL does (a `URL` object works).
    const url = typeof urlProvider === 'function' ? urlProvider : parseWebSocketUrl(toUSVString(urlProvider));
    const checkedProtocols = checkProtocols(protocols);
    super(url, checkedProtocols, resolveOptions(options));
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

  /** The parsed URL of the latest attempt ('ws://host/' for 'http://host'); '' until a url function's first URL resolves. */
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

  /**
   * Applied to every link; an invalid value is ignored, as the platform ignores it (a transport's
   * own value, such as `ws`'s 'nodebuffer', is kept when the current link accepts it).
   * @default 'blob' (or the transport's own default until set)
   */
  get binaryType(): BinaryType {
    return this.link.binaryType as BinaryType;
  }

  set binaryType(value: BinaryType) {
    this.link.binaryType = value;
  }

  /** Bytes the link has not yet sent plus bytes waiting in the outbox. */
  get bufferedAmount(): number {
    return this.link.bufferedAmount + this.outbox.bytes;
  }

  /**
   * Send now if a link is open and alive; otherwise queue in the outbox until the next open (the
   * platform throws while connecting: a deliberate difference). Anything but a string, binary data
   * or a Blob is sent as a string, as the platform does (`send(123)` sends "123").
   * A link whose heartbeat deadline has passed is torn down first rather than written into.
   * @throws OutboxOverflowError when the outbox is full and `outbox.onOverflow` is `'throw'`.
   * @throws InvalidStateError (a DOMException) after `close()` or after giving up.
   * @throws TypeError when called without an argument.
   * Whatever the platform socket's own `send()` throws propagates; that message is not queued.
   */
  send(data: SendData): void {
    if (arguments.length === 0) throw new TypeError("Failed to execute 'send' on 'LifelineSocket': 1 argument required, but only 0 present.");
    data = toSendData(data);
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
   * Stop for good (until `reconnect()`): cancel timers and attempts, and dispatch a final `close`
   * once. With an open link, the close frame carries `code` (none when omitted, so the close event
   * reports 1005; 1000 when only `reason` is given) and the close reports the server's answer, or
   * 1006 after `closeTimeout` (the link is then terminated). Without one (connecting, reconnecting,
   * offline), as the platform fails a connection closed early: `error`, then `close` with 1006 and
   * `wasClean: false`, on a later task. `readyState` is CLOSING until then. Queued messages stay in
   * the outbox. Idempotent.
   * @throws InvalidAccessError (a DOMException) for a code other than 1000 or 3000–4999.
   * @throws SyntaxError (a DOMException) for a reason over 123 UTF-8 bytes.
   */
  close(code?: number, reason?: string): void {
    const args = checkCloseArguments(code, reason);
    if (this.currentState === 'closed') return;
    const socket = this.link.current;
    const handshake = socket !== null && this.currentState === 'open' && socket.readyState === ReadyState.OPEN;
    this.dropLink(handshake ? 'keep' : 'destroy');
    this.reconnects.cancel();
    this.environment.stop();
    if (handshake) this.closing.start(socket, args.code ?? (args.reason === '' ? undefined : 1000), args.reason);
    else this.closing.failConnection();
    this.setState('closed', 'close-called');
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

defineReadyStateConstants(LifelineSocket);
Object.defineProperty(LifelineSocket, LIFELINE_SOCKET_MARK, { value: true });
