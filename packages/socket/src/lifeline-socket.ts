// LifelineSocket: a WebSocket-shaped object whose link is kept alive, re-established, and never written dead.

import type { EnvironmentSignal } from './environment.js';
import {
  EventRegistry,
  type LifelineSocketEventMap,
  type Listener,
  type SocketCloseEvent,
  type SocketErrorEvent,
  type SocketMessageEvent,
  type SocketOpenEvent,
  type SocketState,
} from './events.js';
import { Liveness, type Received } from './heartbeat.js';
import {
  resolveHeartbeat,
  resolveOptions,
  type HeartbeatOptions,
  type LifelineSocketOptions,
  type ResolvedHeartbeat,
  type ResolvedOptions,
} from './options.js';
import { Outbox, utf8ByteLength } from './outbox.js';
import { ReconnectPolicy } from './reconnect.js';
import { TimerSlot } from './timer-slot.js';
import {
  ReadyState,
  type SendData,
  type TransportCloseEvent,
  type TransportErrorEvent,
  type TransportMessageEvent,
  type WebSocketLike,
} from './transport.js';

/** Where to connect: a URL, or a function called before every attempt (e.g. to add a fresh token). */
export type UrlProvider = string | (() => string | Promise<string>);

type CloseInfo = Pick<SocketCloseEvent, 'code' | 'reason' | 'wasClean'>;

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

  private readonly options: ResolvedOptions;
  private readonly events: EventRegistry<LifelineSocketEventMap>;
  private readonly outbox: Outbox;
  private readonly policy: ReconnectPolicy;
  private heartbeat: ResolvedHeartbeat | false;
  private liveness: Liveness | null = null;

  private currentState: SocketState = 'closed';
  /** Bumped whenever the current link or attempt is abandoned; stale callbacks compare against it. */
  private generation = 0;
  private inner: WebSocketLike | null = null;
  /** The link `close()` is shutting down politely; `readyState` is CLOSING while it is set. */
  private closingInner: WebSocketLike | null = null;
  private unsubscribeEnvironment: (() => void) | null = null;

  private lastUrl = '';
  private lastProtocol = '';
  private lastExtensions = '';
  private userBinaryType: string | undefined;

  private readonly heartbeatTimer: TimerSlot;
  private readonly connectTimer: TimerSlot;
  private readonly reconnectTimer: TimerSlot;
  private readonly closeTimer: TimerSlot;

  /**
   * Start connecting at once, like `new WebSocket(url, protocols)`.
   * @throws TypeError when no WebSocket implementation is available or an option has the wrong type.
   * @throws RangeError when a numeric option is out of range.
   */
  constructor(
    private readonly urlProvider: UrlProvider,
    private readonly protocols?: string | string[],
    options?: LifelineSocketOptions,
  ) {
    if (typeof urlProvider !== 'string' && typeof urlProvider !== 'function') {
      throw new TypeError('LifelineSocket: url must be a string or a function returning one');
    }
    this.options = resolveOptions(options);
    const { clock, backoff, maxAttempts, minUptime, random, reportError, outbox } = this.options;
    this.events = new EventRegistry(reportError);
    this.outbox = new Outbox(outbox);
    this.policy = new ReconnectPolicy({ backoff, maxAttempts, minUptime, random });
    this.heartbeat = this.options.heartbeat;
    this.heartbeatTimer = new TimerSlot(clock);
    this.connectTimer = new TimerSlot(clock);
    this.reconnectTimer = new TimerSlot(clock);
    this.closeTimer = new TimerSlot(clock);
    this.subscribeEnvironment();
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
        return this.closingInner ? ReadyState.CLOSING : ReadyState.CLOSED;
      default:
        return ReadyState.CONNECTING;
    }
  }

  /** The URL of the latest attempt; '' until the first URL is resolved. */
  get url(): string {
    return this.lastUrl;
  }

  /** The subprotocol the latest link negotiated. */
  get protocol(): string {
    return this.lastProtocol;
  }

  /** The extensions the latest link negotiated. */
  get extensions(): string {
    return this.lastExtensions;
  }

  /** Applied to every link. @default 'blob' (or the transport's own default until set) */
  get binaryType(): string {
    return this.userBinaryType ?? this.inner?.binaryType ?? 'blob';
  }

  set binaryType(value: string) {
    this.userBinaryType = value;
    if (this.inner) this.inner.binaryType = value;
  }

  /** Bytes the link has not yet sent plus bytes waiting in the outbox. */
  get bufferedAmount(): number {
    return (this.inner?.bufferedAmount ?? 0) + this.outbox.bytes;
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
    if (this.currentState === 'open' && this.liveness?.isDead(this.options.clock.now())) {
      this.linkDead('heartbeat-timeout', 'heartbeat timeout');
      this.assertNotClosed(); // a listener may have called close()
    }
    const socket = this.inner;
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
    if (code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
      throw new RangeError(`LifelineSocket.close: code must be 1000 or 3000-4999, got ${code}`);
    }
    if (utf8ByteLength(reason) > 123) throw new RangeError('LifelineSocket.close: reason is longer than 123 bytes');
    if (this.currentState === 'closed') return;
    const socket = this.inner;
    const handshake = socket !== null && this.currentState === 'open' && socket.readyState === ReadyState.OPEN;
    this.dropLink(handshake ? 'keep' : 'destroy');
    this.reconnectTimer.clear();
    this.releaseEnvironment();
    const gen = this.generation;
    if (handshake) this.startClosingHandshake(socket, code, reason);
    this.setState('closed', 'close-called');
    if (!handshake && gen === this.generation) this.emitClose({ code, reason, wasClean: true });
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
        if (this.attemptInFlight()) return this.startAttempt(false);
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
    const liveness = this.liveness;
    if (this.currentState !== 'open' || !liveness) return;
    const now = this.options.clock.now();
    if (liveness.isDead(now)) return this.linkDead('heartbeat-timeout', 'heartbeat timeout');
    if (!liveness.probe(now)) return;
    this.sendPing(liveness);
    this.armHeartbeat();
  }

  /**
   * Replace the heartbeat configuration (e.g. with the interval a server announced). An open link
   * switches at once, keeping its last alive time.
   * @throws TypeError | RangeError for invalid options, as at construction.
   */
  setHeartbeat(options: false | HeartbeatOptions): void {
    this.heartbeat = resolveHeartbeat(options);
    if (this.currentState !== 'open') return;
    const lastAlive = this.liveness?.lastAlive ?? this.options.clock.now();
    this.liveness = this.heartbeat ? new Liveness(this.heartbeat, lastAlive) : null;
    this.heartbeatTimer.clear();
    this.armHeartbeat();
  }

  /**
   * A server asked us to come back no sooner than `ms` from now (e.g. with close code 1012/1013):
   * the next reconnect delay is `retryAfterDelay(ms, backoff.cap)` instead of backoff.
   * @throws RangeError unless `ms` is a finite number >= 0.
   */
  retryAfter(ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`LifelineSocket.retryAfter: ms must be a finite number >= 0, got ${String(ms)}`);
    }
    this.policy.retryAfter(ms);
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
    this.events.emit('statechange', { type: 'statechange', target: this, from, to, reason });
  }

  // --- Attempts ------------------------------------------------------------------------------------

  /** An attempt is in flight from its start until it opens or fails; the connect timer spans exactly that. */
  private attemptInFlight(): boolean {
    return this.connectTimer.armed;
  }

  /**
   * Start a connection attempt, abandoning any attempt in flight. `counted` attempts advance the
   * reconnect counter; the first connection and restarts of an attempt in flight do not.
   */
  private startAttempt(counted: boolean): void {
    this.dropLink('destroy');
    this.reconnectTimer.clear();
    if (counted) this.policy.attemptStarted();
    const gen = this.generation;
    // The timeout covers URL resolution too: a provider that never settles cannot wedge us.
    this.connectTimer.set(this.options.connectTimeout, (late) => this.onConnectTimeout(late));
    let url: string | Promise<string>;
    try {
      url = typeof this.urlProvider === 'string' ? this.urlProvider : this.urlProvider();
    } catch (error) {
      return this.attemptFailed(gen, error);
    }
    if (typeof url === 'string') return this.createLink(gen, url);
    Promise.resolve(url).then(
      (resolved) => this.createLink(gen, resolved),
      (error: unknown) => this.attemptFailed(gen, error),
    );
  }

  private createLink(gen: number, url: unknown): void {
    if (gen !== this.generation) return;
    if (typeof url !== 'string') {
      return this.attemptFailed(gen, new TypeError(`LifelineSocket: the url function returned ${typeof url}, not a string`));
    }
    this.lastUrl = url;
    const { WebSocket } = this.options;
    let socket: WebSocketLike;
    try {
      socket = this.protocols === undefined ? new WebSocket(url) : new WebSocket(url, this.protocols);
    } catch (error) {
      return this.attemptFailed(gen, error);
    }
    if (this.userBinaryType !== undefined) socket.binaryType = this.userBinaryType;
    socket.onopen = () => this.onLinkOpen(gen);
    socket.onmessage = (event) => this.onLinkMessage(gen, event);
    socket.onclose = (event) => this.onLinkClose(gen, event);
    socket.onerror = (event) => this.onLinkError(gen, event);
    this.inner = socket;
  }

  /** The URL could not be resolved or the transport refused it: no link, so no `close` event. */
  private attemptFailed(gen: number, error: unknown): void {
    if (gen !== this.generation) return;
    this.dropLink('destroy');
    const dropped = this.generation;
    this.emitError(`connection attempt failed: ${describe(error)}`, error);
    if (dropped === this.generation) this.lost('url-error', null);
  }

  private onConnectTimeout(late: number): void {
    this.linkDead('connect-timeout', 'connect timeout', late > this.options.wakeThreshold);
  }

  /** Start a counted attempt at once. */
  private attemptNow(reason: string): void {
    this.reconnectTimer.clear();
    const gen = this.generation;
    this.events.emit('reconnecting', { type: 'reconnecting', target: this, attempt: this.policy.attempts + 1, delay: 0, reason });
    if (gen === this.generation && this.currentState === 'reconnecting') this.startAttempt(true);
  }

  private leaveOffline(reason: string): void {
    const gen = this.generation;
    this.setState('reconnecting', reason);
    if (gen === this.generation) this.attemptNow(reason);
  }

  private scheduleAttempt(reason: string, delay: number): void {
    this.reconnectTimer.set(delay, () => this.startAttempt(true));
    this.events.emit('reconnecting', { type: 'reconnecting', target: this, attempt: this.policy.attempts + 1, delay, reason });
  }

  // --- Link events ---------------------------------------------------------------------------------

  private onLinkOpen(gen: number): void {
    const socket = this.inner;
    if (gen !== this.generation || !socket) return;
    this.connectTimer.clear();
    const now = this.options.clock.now();
    this.policy.opened(now);
    this.lastProtocol = socket.protocol ?? '';
    this.lastExtensions = socket.extensions ?? '';
    this.liveness = this.heartbeat ? new Liveness(this.heartbeat, now) : null;
    this.armHeartbeat();
    this.setState('open', 'opened');
    // Queued messages go out before `open` listeners run, so they precede anything sent there.
    if (gen === this.generation) this.flushOutbox();
    if (gen === this.generation) this.events.emit('open', { type: 'open', target: this }, this.onopen);
  }

  private onLinkMessage(gen: number, event: TransportMessageEvent): void {
    if (gen !== this.generation) return;
    const liveness = this.liveness;
    if (liveness) {
      let received: Received;
      try {
        received = liveness.received(event.data, this.options.clock.now());
      } catch (error) {
        this.options.reportError(error); // a throwing `pong` predicate: treat as an application message
        received = { pong: false, rtt: undefined };
      }
      if (received.pong) {
        if (received.rtt !== undefined) this.events.emit('heartbeat', { type: 'heartbeat', target: this, rtt: received.rtt });
        return;
      }
    }
    this.events.emit('message', { type: 'message', target: this, data: event.data }, this.onmessage);
  }

  private onLinkClose(gen: number, event: TransportCloseEvent): void {
    if (gen !== this.generation) return;
    const code = event.code ?? 1005; // "No Status Received"
    // Closed before it opened: refused, a DNS failure or an HTTP error, cheap to retry soon.
    const refused = this.attemptInFlight();
    this.dropLink('keep');
    this.lost(`closed:${code}`, { code, reason: event.reason ?? '', wasClean: event.wasClean ?? false }, false, refused);
  }

  /** Annotates only: browsers follow an error with a close, and the close drives the transition. */
  private onLinkError(gen: number, event: TransportErrorEvent): void {
    if (gen !== this.generation) return;
    this.emitError(event.message ?? 'WebSocket error', event.error);
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
    this.policy.lost(this.options.clock.now(), refused);
    let to: SocketState = 'reconnecting';
    let reason = why;
    if (close && !this.shouldReconnect(close)) [to, reason] = ['closed', `terminal-code:${close.code}`];
    else if (this.policy.exhausted) [to, reason] = ['closed', 'max-attempts'];
    else if (!this.options.environment.isOnline()) [to, reason] = ['offline', 'offline'];
    if (to === 'closed') this.releaseEnvironment();
    const gen = this.generation;
    this.setState(to, reason);
    if (close && gen === this.generation) this.emitClose(close);
    if (gen !== this.generation || this.currentState !== to) return;
    if (to === 'closed') {
      this.events.emit('giveup', { type: 'giveup', target: this, attempts: this.policy.attempts, reason });
    } else if (to === 'reconnecting') {
      this.scheduleAttempt(why, immediate ? 0 : this.policy.nextDelay());
    }
  }

  private shouldReconnect(close: CloseInfo): boolean {
    try {
      return this.options.shouldReconnect({ code: close.code, reason: close.reason });
    } catch (error) {
      this.options.reportError(error);
      return true; // a buggy policy must not strand the user
    }
  }

  /** `reconnect()` on an open link: one counted attempt, now, whatever the counter says. */
  private replaceLink(reason: string): void {
    this.dropLink('close');
    this.policy.lost(this.options.clock.now());
    const gen = this.generation;
    this.setState('reconnecting', reason);
    if (gen === this.generation) this.emitClose({ code: 1000, reason, wasClean: false });
    if (gen === this.generation && this.currentState === 'reconnecting') this.attemptNow(reason);
  }

  /** `reconnect()` after `closed`: from attempt 0, listening to the environment again. */
  private restart(reason: string): void {
    const closing = this.closingInner;
    if (closing) {
      destroy(closing);
      this.finishClose(closing, { code: 1006, reason: '', wasClean: false });
      if (this.currentState !== 'closed') return; // a close listener already restarted us
    }
    this.policy.reset();
    this.subscribeEnvironment();
    const gen = this.generation;
    this.setState('connecting', reason);
    if (gen === this.generation && this.currentState === 'connecting') this.startAttempt(false);
  }

  /**
   * Forget the current link or attempt: bump the generation (its callbacks go stale), clear the
   * timers bound to it, and `keep` it (already closed), `close` it politely, or `destroy` it.
   */
  private dropLink(how: 'keep' | 'close' | 'destroy'): void {
    this.generation++;
    this.heartbeatTimer.clear();
    this.connectTimer.clear();
    this.liveness = null;
    const socket = this.inner;
    this.inner = null;
    if (!socket) return;
    detach(socket);
    if (how === 'destroy') destroy(socket);
    else if (how === 'close') closeQuietly(socket, 1000, 'reconnect');
  }

  // --- close() handshake ---------------------------------------------------------------------------

  private startClosingHandshake(socket: WebSocketLike, code: number, reason: string): void {
    this.closingInner = socket;
    socket.onclose = (event) =>
      this.finishClose(socket, { code: event.code ?? code, reason: event.reason ?? reason, wasClean: event.wasClean ?? true });
    this.closeTimer.set(this.options.closeTimeout, () => {
      destroy(socket);
      this.finishClose(socket, { code: 1006, reason: '', wasClean: false });
    });
    closeQuietly(socket, code, reason);
  }

  private finishClose(socket: WebSocketLike, close: CloseInfo): void {
    if (this.closingInner !== socket) return;
    this.closingInner = null;
    this.closeTimer.clear();
    detach(socket);
    this.emitClose(close);
  }

  // --- Heartbeat -----------------------------------------------------------------------------------

  /**
   * Arm the one heartbeat timer for the next ping or the deadline. Inbound messages do not re-arm
   * it (that would cost two timer calls per message); a timer that finds the link still alive
   * simply re-arms for the later time.
   */
  private armHeartbeat(): void {
    const liveness = this.liveness;
    if (!liveness) return;
    const delay = liveness.nextCheckAt() - this.options.clock.now();
    this.heartbeatTimer.set(delay, (late) => this.onHeartbeatTimer(liveness, late));
  }

  private onHeartbeatTimer(liveness: Liveness, late: number): void {
    if (liveness !== this.liveness) return;
    const now = this.options.clock.now();
    const verdict = liveness.check(now);
    if (verdict === 'dead') return this.linkDead('heartbeat-timeout', 'heartbeat timeout');
    // Timers this late mean the device slept: the link may be a ghost, so ask for proof now.
    const probing = late > this.options.wakeThreshold && liveness.probe(now);
    if (verdict === 'ping' || probing) this.sendPing(liveness);
    if (liveness === this.liveness) this.armHeartbeat();
  }

  private sendPing(liveness: Liveness): void {
    const socket = this.inner;
    if (!socket) return;
    const { message } = liveness.config;
    try {
      socket.send(typeof message === 'function' ? message() : message);
      liveness.pinged(this.options.clock.now());
    } catch (error) {
      // The deadline decides whether the link is dead; a failed write only annotates.
      this.emitError(`heartbeat ping failed: ${describe(error)}`, error);
    }
  }

  // --- Outbox --------------------------------------------------------------------------------------

  private flushOutbox(): void {
    const socket = this.inner;
    if (this.currentState !== 'open' || !socket) return;
    try {
      this.outbox.flush((data) => {
        if (socket.readyState !== ReadyState.OPEN) return false;
        socket.send(data);
        return true;
      });
    } catch (error) {
      this.emitError(`outbox flush failed: ${describe(error)}`, error);
    }
  }

  // --- Environment ---------------------------------------------------------------------------------

  private subscribeEnvironment(): void {
    if (this.unsubscribeEnvironment) return;
    this.unsubscribeEnvironment = this.options.environment.subscribe((signal) => this.onEnvironment(signal));
  }

  private releaseEnvironment(): void {
    const unsubscribe = this.unsubscribeEnvironment;
    this.unsubscribeEnvironment = null;
    unsubscribe?.();
  }

  private onEnvironment(signal: EnvironmentSignal): void {
    const state = this.currentState;
    switch (signal) {
      case 'offline':
        // Links often survive a blip (and Chromium's offline emulation keeps them open): let the
        // heartbeat decide. Attempts, though, would only fail: park until 'online'.
        if (state === 'open') return this.probe();
        if (state === 'connecting' || state === 'reconnecting') {
          this.dropLink('destroy');
          this.reconnectTimer.clear();
          this.setState('offline', 'offline');
        }
        return;
      case 'online':
        if (state === 'open') return this.probe(); // a network change often strands the old link
        if (state === 'offline') this.leaveOffline('online');
        else if (state === 'reconnecting' && !this.attemptInFlight()) this.attemptNow('online');
        return;
      case 'visible':
      case 'resume':
        if (state === 'open') this.probe();
        return;
      case 'hidden':
        return;
    }
  }

  // --- Helpers -------------------------------------------------------------------------------------

  private emitClose(close: CloseInfo): void {
    this.events.emit('close', { type: 'close', target: this, ...close }, this.onclose);
  }

  private emitError(message: string, error: unknown): void {
    this.events.emit('error', { type: 'error', target: this, message, error }, this.onerror);
  }

  private assertNotClosed(): void {
    if (this.currentState !== 'closed') return;
    const error = new Error('LifelineSocket is closed; call reconnect() to use it again');
    error.name = 'InvalidStateError';
    throw error;
  }
}

/**
 * Make a dropped socket's late events unable to reach us. No-ops rather than null: `ws` emits
 * 'error' after `terminate()` on a connecting socket, and an EventEmitter with no 'error' listener
 * throws it as an uncaught exception.
 */
function detach(socket: WebSocketLike): void {
  socket.onopen = ignore;
  socket.onmessage = ignore;
  socket.onclose = ignore;
  socket.onerror = ignore;
}

function ignore(): void {}

/** End a socket without waiting for a closing handshake a dead peer will never answer. */
function destroy(socket: WebSocketLike): void {
  detach(socket);
  try {
    if (socket.terminate) socket.terminate();
    else socket.close();
  } catch {
    // The socket is being discarded; whatever state it was in no longer matters.
  }
}

function closeQuietly(socket: WebSocketLike, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // Already closing or closed: nothing left to tell the peer.
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
