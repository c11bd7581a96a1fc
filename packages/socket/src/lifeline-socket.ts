// LifelineSocket: a WebSocket-shaped object whose link is kept alive, re-established, and never written dead.

import { ClosingHandshake, checkCloseArguments } from './close-handshake.js';
import { SocketEmitter, type CloseInfo } from './emitter.js';
import type { EnvironmentSignal } from './environment.js';
import { SignalSubscription, signalAction } from './environment-signals.js';
import type {
  LifelineSocketEventMap,
  Listener,
  SocketCloseEvent,
  SocketErrorEvent,
  SocketMessageEvent,
  SocketOpenEvent,
  SocketState,
} from './events.js';
import { Link, letGo, type LetGo, type UrlProvider } from './link.js';
import { LivenessDriver } from './liveness-driver.js';
import {
  resolveHeartbeat,
  resolveOptions,
  type HeartbeatOptions,
  type LifelineSocketOptions,
  type ResolvedOptions,
} from './options.js';
import { Outbox } from './outbox.js';
import { Reconnector } from './reconnector.js';
import { ReadyState, type SendData, type TransportCloseEvent } from './transport.js';

export type { UrlProvider } from './link.js';

/**
 * A drop-in `WebSocket` that stays alive: a heartbeat with a wall-clock deadline detects dead links,
 * lost links are re-established with jittered backoff, network and visibility signals are obeyed,
 * and messages sent while no link is open wait in a bounded outbox. The object is the same across
 * reconnects; `open` and `close` fire for every link.
 *
 * One field holds the {@link SocketState}; only `setState` writes it and every write emits
 * `statechange`. Each link attempt gets a generation number, and callbacks of an older generation
 * are ignored, so a late `close` of a torn-down socket can never start a second reconnect.
 */
export class LifelineSocket {
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

  private currentState: SocketState = 'closed';
  private readonly options: ResolvedOptions;
  private readonly events: SocketEmitter;
  private readonly outbox: Outbox;
  private readonly reconnects: Reconnector;
  /** The current link or attempt and its generation; `generation` changes whenever it is abandoned. */
  private readonly link: Link;
  private readonly liveness: LivenessDriver;
  /** The link `close()` is shutting down politely; `readyState` is CLOSING while it is pending. */
  private readonly closing: ClosingHandshake;
  private readonly environment: SignalSubscription;

  /**
   * Start connecting at once, like `new WebSocket(url, protocols)`.
   * @throws TypeError when no WebSocket implementation is available or an option has the wrong type.
   * @throws RangeError when a numeric option is out of range.
   */
  constructor(urlProvider: UrlProvider, protocols?: string | string[], options?: LifelineSocketOptions) {
    if (typeof urlProvider !== 'string' && typeof urlProvider !== 'function') {
      throw new TypeError('LifelineSocket: url must be a string or a function returning one');
    }
    this.options = resolveOptions(options);
    this.events = new SocketEmitter(this, this.options.reportError);
    this.outbox = new Outbox(this.options.outbox);
    this.reconnects = new Reconnector(this.options, {
      attempt: () => this.startAttempt(true),
      reconnecting: (attempt, delay, reason) => this.events.reconnecting(attempt, delay, reason),
    });
    // A url function runs as a method of the socket (`this` is the socket).
    const url = typeof urlProvider === 'string' ? urlProvider : () => urlProvider.call(this);
    this.link = new Link(url, protocols, this.options, {
      open: () => this.onLinkOpen(),
      message: ({ data }) => {
        if (!this.liveness.isPong(data)) this.events.message(data);
      },
      close: (event) => this.onLinkClose(event),
      // Annotates only: browsers follow an error with a close, and the close drives the transition.
      error: (event) => this.events.error(event.message ?? 'WebSocket error', event.error),
      failed: (error) => this.attemptFailed(error),
      timedOut: (late) => this.linkDead('connect-timeout', 'connect timeout', late > this.options.wakeThreshold),
    });
    this.liveness = new LivenessDriver(this.options, {
      socket: () => this.link.current,
      dead: () => this.linkDead('heartbeat-timeout', 'heartbeat timeout'),
      pong: (rtt) => this.events.heartbeat(rtt),
      pingFailed: (error) => this.events.failure('heartbeat ping failed', error),
    });
    this.closing = new ClosingHandshake(this.options, (close) => this.events.close(close));
    this.environment = new SignalSubscription(this.options.environment, (signal) => this.onSignal(signal));
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
   * @throws Error named `InvalidStateError` after `close()` or after giving up.
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
   * Check the link now: send a ping and require life within `heartbeat.timeout`. In passive mode
   * without `heartbeat.probe` only the deadline is checked. Does nothing unless open with a heartbeat.
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

  // --- State ---------------------------------------------------------------------------------------

  /** The only writer of the state field. */
  private setState(to: SocketState, reason: string): void {
    const from = this.currentState;
    if (from === to) return;
    this.currentState = to;
    this.events.statechange(from, to, reason);
  }

  // --- Attempts ------------------------------------------------------------------------------------

  /**
   * Start a connection attempt, abandoning any attempt in flight. `counted` attempts advance the
   * reconnect counter; the first connection and restarts of an attempt in flight do not.
   */
  private startAttempt(counted: boolean): void {
    this.dropLink('destroy');
    this.reconnects.attemptStarted(counted);
    this.link.connect();
  }

  /** The URL could not be resolved or the transport refused it: no link, so no `close` event. */
  private attemptFailed(error: unknown): void {
    this.dropLink('destroy');
    const dropped = this.link.generation;
    this.events.failure('connection attempt failed', error);
    if (dropped === this.link.generation) this.lost('url-error', null);
  }

  /** Start a counted attempt at once. */
  private attemptNow(reason: string): void {
    const gen = this.link.generation;
    this.reconnects.announceNow(reason);
    if (gen === this.link.generation && this.currentState === 'reconnecting') this.startAttempt(true);
  }

  private leaveOffline(reason: string): void {
    const gen = this.link.generation;
    this.setState('reconnecting', reason);
    if (gen === this.link.generation) this.attemptNow(reason);
  }

  // --- Link events (the link calls these only for the current generation) -------------------------

  private onLinkOpen(): void {
    const gen = this.link.generation;
    const now = this.options.clock.now();
    this.reconnects.opened(now);
    this.liveness.start(now);
    this.setState('open', 'opened');
    // Queued messages go out before `open` listeners run, so they precede anything sent there.
    if (gen === this.link.generation) this.flushOutbox();
    if (gen === this.link.generation) this.events.open();
  }

  private onLinkClose(event: TransportCloseEvent): void {
    const code = event.code ?? 1005; // "No Status Received"
    // Closed before it opened: refused, a DNS failure or an HTTP error, cheap to retry soon.
    const refused = this.link.attemptInFlight;
    this.dropLink('keep');
    this.lost(`closed:${code}`, { code, reason: event.reason ?? '', wasClean: event.wasClean ?? false }, false, refused);
  }

  // --- Loss ----------------------------------------------------------------------------------------

  /** Our own verdict that the link or attempt is dead: drop it at once, never await a handshake. */
  private linkDead(why: 'heartbeat-timeout' | 'connect-timeout', closeReason: string, immediate = false): void {
    this.dropLink('destroy');
    this.lost(why, { code: 1006, reason: closeReason, wasClean: false }, immediate);
  }

  /**
   * The funnel for every lost link and failed attempt (the link already dropped): decide what comes
   * next, transition once, dispatch `close`, then act unless a listener took over.
   */
  private lost(why: string, close: CloseInfo | null, immediate = false, refused = false): void {
    this.reconnects.lost(refused);
    const { to, reason } = this.reconnects.verdict(why, close);
    if (to === 'closed') this.environment.stop();
    const gen = this.link.generation;
    this.setState(to, reason);
    if (close && gen === this.link.generation) this.events.close(close);
    if (gen !== this.link.generation || this.currentState !== to) return;
    if (to === 'closed') this.events.giveup(this.reconnects.attempts, reason);
    else if (to === 'reconnecting') this.reconnects.schedule(why, immediate);
  }

  /** `reconnect()` on an open link: one counted attempt, now, whatever the counter says. */
  private replaceLink(reason: string): void {
    this.dropLink('close');
    this.reconnects.lost();
    const gen = this.link.generation;
    this.setState('reconnecting', reason);
    if (gen === this.link.generation) this.events.close({ code: 1000, reason, wasClean: false });
    if (gen === this.link.generation && this.currentState === 'reconnecting') this.attemptNow(reason);
  }

  /** `reconnect()` after `closed`: from attempt 0, listening to the environment again. */
  private restart(reason: string): void {
    // A pending close() handshake ends now (1006); a close listener may already have restarted us.
    if (this.closing.abort() && this.currentState !== 'closed') return;
    this.reconnects.reset();
    this.environment.start();
    const gen = this.link.generation;
    this.setState('connecting', reason);
    if (gen === this.link.generation && this.currentState === 'connecting') this.startAttempt(false);
  }

  /**
   * Forget the current link or attempt: bump the generation (its callbacks go stale), clear the
   * timers bound to it, and `keep` it (already closed), `close` it politely, or `destroy` it.
   */
  private dropLink(how: LetGo): void {
    const socket = this.link.release();
    this.liveness.stop();
    if (socket) letGo(socket, how);
  }

  // --- Environment, outbox, helpers ----------------------------------------------------------------

  private onSignal(signal: EnvironmentSignal): void {
    switch (signalAction(signal, this.currentState, this.link.attemptInFlight)) {
      case 'probe':
        return this.probe();
      case 'park':
        this.dropLink('destroy');
        this.reconnects.cancel();
        return this.setState('offline', 'offline');
      case 'leave-offline':
        return this.leaveOffline('online');
      case 'attempt-now':
        return this.attemptNow('online');
      case 'none':
        return;
    }
  }

  private flushOutbox(): void {
    const socket = this.link.current;
    if (this.currentState !== 'open' || !socket) return;
    try {
      this.outbox.writeTo(socket);
    } catch (error) {
      this.events.failure('outbox flush failed', error);
    }
  }

  private assertNotClosed(): void {
    if (this.currentState !== 'closed') return;
    const error = new Error('LifelineSocket is closed; call reconnect() to use it again');
    error.name = 'InvalidStateError';
    throw error;
  }
}
