// The socket's state machine: the one state field, its one writer, and every transition (attempts, link events, losses, signals).

import { ClosingHandshake } from './close-handshake.js';
import type { CloseInfo } from './emitter.js';
import type { EnvironmentSignal } from './environment.js';
import { SignalSubscription, signalAction } from './environment-signals.js';
import type { SocketState } from './events.js';
import { Link, letGo, type LetGo, type UrlProvider } from './link.js';
import { LivenessDriver } from './liveness-driver.js';
import type { ResolvedOptions } from './options.js';
import { Outbox } from './outbox.js';
import { Reconnector } from './reconnector.js';
import { SocketSurface } from './surface.js';
import type { TransportCloseEvent } from './transport.js';

/** How a link or attempt was lost, beyond its close. */
interface LossDetails {
  /** Retry at once (a timer fired late: the device slept). */
  readonly immediate?: boolean;
  /** The transport failed the attempt before it opened (cheap to retry soon). */
  readonly refused?: boolean;
  /** No retry can succeed (an invalid URL): give up. */
  readonly permanent?: boolean;
}

/**
 * One field holds the {@link SocketState}; only `setState` writes it and every write emits
 * `statechange`. Each link attempt gets a generation number, and callbacks of an older generation
 * are ignored, so a late `close` of a torn-down socket can never start a second reconnect. Every
 * lost link goes through one funnel (`lost`). The public API is {@link LifelineSocket}'s.
 */
export abstract class SocketMachine extends SocketSurface {
  protected currentState: SocketState = 'closed';
  protected readonly options: ResolvedOptions;
  protected readonly outbox: Outbox;
  protected readonly reconnects: Reconnector;
  /** The current link or attempt and its generation; `generation` changes whenever it is abandoned. */
  protected readonly link: Link;
  protected readonly liveness: LivenessDriver;
  /** The link `close()` is shutting down politely; `readyState` is CLOSING while it is pending. */
  protected readonly closing: ClosingHandshake;
  protected readonly environment: SignalSubscription;

  /** Check the link now (the public `probe()`); environment signals call it. */
  abstract probe(): void;

  protected constructor(urlProvider: UrlProvider, protocols: string | string[] | undefined, options: ResolvedOptions) {
    super(options.reportError);
    this.options = options;
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
      failed: (error, permanent) => this.attemptFailed(error, permanent),
      timedOut: (late) => this.linkDead('connect-timeout', 'connect timeout', late > this.options.wakeThreshold),
    });
    this.liveness = new LivenessDriver(this.options, {
      socket: () => this.link.current,
      dead: () => this.linkDead('heartbeat-timeout', 'heartbeat timeout'),
      pong: (rtt) => this.events.heartbeat(rtt),
      pingFailed: (error) => this.events.failure('heartbeat ping failed', error),
      probing: () => this.events.probe(),
    });
    this.closing = new ClosingHandshake(this.options, {
      closed: (close) => this.events.close(close),
      failed: (message) => this.events.error(message, undefined),
    });
    this.environment = new SignalSubscription(this.options.environment, (signal) => this.onSignal(signal));
  }

  protected origin(): string {
    return this.link.origin;
  }

  // --- State ---------------------------------------------------------------------------------------

  /** The only writer of the state field. */
  protected setState(to: SocketState, reason: string): void {
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
  protected startAttempt(counted: boolean): void {
    this.dropLink('destroy');
    this.reconnects.attemptStarted(counted);
    this.link.connect();
  }

  /**
   * The URL could not be resolved or the transport refused it: no link, so no `close` event. A
   * `permanent` failure (an invalid URL) gives up at once: retrying would repeat it.
   */
  protected attemptFailed(error: unknown, permanent: boolean): void {
    this.dropLink('destroy');
    const dropped = this.link.generation;
    this.events.failure('connection attempt failed', error);
    if (dropped === this.link.generation) this.lost(permanent ? 'invalid-url' : 'url-error', null, { permanent });
  }

  /** Start a counted attempt at once. */
  protected attemptNow(reason: string): void {
    const gen = this.link.generation;
    this.reconnects.announceNow(reason);
    if (gen === this.link.generation && this.currentState === 'reconnecting') this.startAttempt(true);
  }

  protected leaveOffline(reason: string): void {
    const gen = this.link.generation;
    this.setState('reconnecting', reason);
    if (gen === this.link.generation) this.attemptNow(reason);
  }

  // --- Link events (the link calls these only for the current generation) -------------------------

  protected onLinkOpen(): void {
    const gen = this.link.generation;
    const now = this.options.clock.now();
    this.reconnects.opened(now);
    this.liveness.start(now);
    this.setState('open', 'opened');
    // Queued messages go out before `open` listeners run, so they precede anything sent there.
    if (gen === this.link.generation) this.flushOutbox();
    if (gen === this.link.generation) this.events.open();
  }

  protected onLinkClose(event: TransportCloseEvent): void {
    const code = event.code ?? 1005; // "No Status Received"
    // Closed before it opened: refused, a DNS failure or an HTTP error, cheap to retry soon.
    const refused = this.link.attemptInFlight;
    this.dropLink('keep');
    this.lost(`closed:${code}`, { code, reason: event.reason ?? '', wasClean: event.wasClean ?? false }, { refused });
  }

  // --- Loss ----------------------------------------------------------------------------------------

  /** Our own verdict that the link or attempt is dead: drop it at once, never await a handshake. */
  protected linkDead(why: 'heartbeat-timeout' | 'connect-timeout', closeReason: string, immediate = false): void {
    this.dropLink('destroy');
    this.lost(why, { code: 1006, reason: closeReason, wasClean: false }, { immediate });
  }

  /**
   * The funnel for every lost link and failed attempt (the link already dropped): decide what comes
   * next, transition once, dispatch `close`, then act unless a listener took over.
   */
  protected lost(why: string, close: CloseInfo | null, how: LossDetails = {}): void {
    const { immediate = false, refused = false, permanent = false } = how;
    this.reconnects.lost(refused);
    const { to, reason } = permanent ? { to: 'closed' as const, reason: why } : this.reconnects.verdict(why, close);
    if (to === 'closed') this.environment.stop();
    const gen = this.link.generation;
    this.setState(to, reason);
    if (close && gen === this.link.generation) this.events.close(close);
    if (gen !== this.link.generation || this.currentState !== to) return;
    if (to === 'closed') this.events.giveup(this.reconnects.attempts, reason);
    else if (to === 'reconnecting') this.reconnects.schedule(why, immediate);
  }

  /** `reconnect()` on an open link: one counted attempt, now, whatever the counter says. */
  protected replaceLink(reason: string): void {
    this.dropLink('close');
    this.reconnects.lost();
    const gen = this.link.generation;
    this.setState('reconnecting', reason);
    if (gen === this.link.generation) this.events.close({ code: 1000, reason, wasClean: false });
    if (gen === this.link.generation && this.currentState === 'reconnecting') this.attemptNow(reason);
  }

  /** `reconnect()` after `closed`: from attempt 0, listening to the environment again. */
  protected restart(reason: string): void {
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
  protected dropLink(how: LetGo): void {
    const socket = this.link.release();
    this.liveness.stop();
    if (socket) letGo(socket, how);
  }

  // --- Environment, outbox, helpers ----------------------------------------------------------------

  protected onSignal(signal: EnvironmentSignal): void {
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

  protected flushOutbox(): void {
    const socket = this.link.current;
    if (this.currentState !== 'open' || !socket) return;
    try {
      this.outbox.writeTo(socket);
    } catch (error) {
      this.events.failure('outbox flush failed', error);
    }
  }
}
