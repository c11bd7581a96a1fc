// LifelineClient: the session protocol's client side, wired onto a LifelineSocket; each concern is a part it composes.

import { Emitter, systemClock, type Clock } from '@lifeline/core';
import { CloseCode, PRESENCE_METHOD, decodeServerMessage, encode, type IdentityPresence, type Json, type ServerMessage, type WelcomeMessage } from '@lifeline/protocol';
import type { AnySchema, ChannelData, ChannelName, DownOf, MethodName, ParamsOf, ResultOf, Schema, UpOf } from '@lifeline/protocol';
import { defaultReportError, type LifelineSocket, type SocketCloseEvent, type UrlProvider } from '@lifeline/socket';
import { Closes } from './closes.js';
import { Delivery } from './delivery.js';
import { LifelineError } from './errors.js';
import type { ClientState, HandshakePhase, LifelineClientEventMap, SessionInfo } from './events.js';
import { coreFeatures } from './core-features.js';
import { ClientFeatureSet } from './features.js';
import { Handshake } from './handshake.js';
import { ClientHeartbeat } from './heartbeat.js';
import { randomKeyGenerator } from './keys.js';
import { resolveClientOptions, type LifelineClientOptions } from './options.js';
import type { MessageTarget, OutboxEntry } from './outbox.js';
import { Session } from './session.js';
import { ClientChannels, type SubscribeOptions } from './channels.js';
import { ClientCalls, presenceOf, type CallOptions } from './rpc.js';
import { DurableSends } from './durable.js';
import { applyHeartbeat, sessionSocket, writeFrame } from './session-socket.js';
import type { Subscription } from './subscription.js';

/** Server frames are bounded by the transport, not by the decoder's 64 Ki-character default. */
const SERVER_DECODE_LIMITS = { maxLength: Number.MAX_SAFE_INTEGER } as const;

/** Options of {@link LifelineClient.send}. */
export interface SendOptions {
  /** Idempotency key (1–256 characters). @default options.generateKey() */
  key?: string;
}

/**
 * A Lifeline session client. Messages sent with {@link send} are kept until the server acknowledges
 * them and resent after reconnects; server messages are delivered exactly once and in order within
 * a session; a session that could not be resumed is reported, never hidden.
 *
 * The parts: the socket (link, liveness deadline, reconnects), the {@link Handshake} (the one phase
 * field), {@link Delivery} (outbox, inbox, acks), {@link ClientHeartbeat} (pings, pongs, probes) and
 * {@link Closes} (why links end); server messages reach them through a handler table by type.
 */
export class LifelineClient<S extends Schema = AnySchema> {
  private readonly socket: LifelineSocket;
  private readonly events: Emitter<LifelineClientEventMap>;
  private readonly clock: Clock;
  private readonly session = new Session();
  private readonly handshake: Handshake;
  private readonly delivery: Delivery;
  private readonly heartbeat: ClientHeartbeat;
  private readonly closes = new Closes();
  private readonly features: ClientFeatureSet;
  private readonly channels: ClientChannels;
  private readonly calls: ClientCalls;
  private readonly durable: DurableSends | undefined;
  private lastRtt: number | undefined;
  /** Set by `close()` or when the client stopped for good; later sends reject with it. */
  private stopped: LifelineError | undefined;

  /**
   * Start connecting at once.
   * @param url The server URL, or a function called before every attempt.
   * @throws TypeError | RangeError for invalid options.
   */
  constructor(url: UrlProvider, options: LifelineClientOptions = {}) {
    const reportError = options.reportError ?? defaultReportError;
    const resolved = resolveClientOptions(options, randomKeyGenerator(options.random ?? Math.random));
    this.clock = options.clock ?? systemClock;
    this.events = new Emitter((error) => reportError(error));
    const ready = (): boolean => this.handshake.phase === 'ready';
    const write = (frame: string): boolean => writeFrame(this.socket, frame, this.emitError);
    this.handshake = new Handshake(this.clock, resolved.auth, {
      write,
      resume: () => this.session.resume(this.delivery.lastSeq),
      authFailed: (cause) => this.authFailed(cause),
      changed: (change) => this.events.emit('phase', change),
    });
    this.delivery = new Delivery(resolved, {
      write, ready, link: () => this.handshake.link,
      deliver: (data, meta) => this.events.emit('message', data, meta),
      answered: (m) => this.calls.answered(m),
    });
    const random = options.random ?? Math.random;
    this.channels = new ClientChannels({ clock: this.clock, random, write, ready, report: reportError, publish: (ch, data, key) => this.submit(data, key, { ch }) });
    const add = (entry: OutboxEntry): Promise<void> => (this.stopped ? Promise.reject(this.stopped) : this.delivery.add(entry));
    const prepare = (params: Json, id: string, method: string): OutboxEntry => this.delivery.prepare(params, id, { call: method });
    this.calls = new ClientCalls({ clock: this.clock, generateId: resolved.generateKey, prepare, add });
    const restored = (count: number): void => this.events.emit('restored', { count });
    const durableHost = { prepare: (data: Json, key: string | undefined, target: MessageTarget | undefined) => this.delivery.prepare(data, key, target), add, restored, report: reportError };
    this.durable = options.outboxStorage ? new DurableSends(options.outboxStorage, durableHost) : undefined;
    this.heartbeat = new ClientHeartbeat(this.clock, this.delivery, { ready, measured: (rtt) => this.measured(rtt) });
    this.features = new ClientFeatureSet(
      coreFeatures({
        ready,
        delivery: this.delivery,
        heartbeat: this.heartbeat,
        welcome: (m) => this.onWelcome(m),
        error: (m) => this.emitError(new LifelineError(m.code, `server error: ${m.message}`, m.seq === undefined ? {} : { seq: m.seq })),
        goaway: (m) => {
          this.closes.announced(m);
          if (m.retryAfter !== undefined) this.socket.retryAfter(m.retryAfter);
        },
      }),
      reportError,
      [this.channels.feature(), { name: 'rpc', welcomed: (_w, info) => void (info.resumed || this.calls.fresh()) }],
    );
    this.socket = sessionSocket(url, options, reportError, {
      open: () => {
        this.closes.opened();
        this.handshake.opened();
      },
      frame: (data) => this.onFrame(data),
      close: (event) => this.onClose(event),
      probe: () => this.heartbeat.probe(),
      giveup: (attempts, reason) => this.onGiveUp(attempts, reason),
      error: (error) => this.emitError(error),
      statechange: (change) => this.events.emit('statechange', change),
      reconnecting: (info) => this.events.emit('reconnecting', info),
    });
  }

  // --- Public API ----------------------------------------------------------------------------------

  /** The state of the underlying connection (see `SocketState`). */
  get state(): ClientState {
    return this.socket.state;
  }

  /** Where the current connection is in the session handshake. */
  get phase(): HandshakePhase {
    return this.handshake.phase;
  }

  /** Whether a session is established on the current connection (messages are written at once). */
  get ready(): boolean {
    return this.handshake.phase === 'ready';
  }

  /** The current session id, or undefined before the first welcome and after the session ended. */
  get sessionId(): string | undefined {
    return this.session.id;
  }

  /** Messages waiting for the server's acknowledgement. */
  get outboxSize(): number {
    return this.delivery.outboxSize;
  }

  /** The last server seq delivered to the application in the current session (0 before any). */
  get lastSeq(): number {
    return this.delivery.lastSeq;
  }

  /** The last measured round-trip time in ms: a probe's, else hello to welcome. */
  get rtt(): number | undefined {
    return this.lastRtt;
  }

  /**
   * Send `data` to the server. Resolves once the server acknowledged it (possibly after reconnects
   * and resends); the message carries an idempotency key so a resend is applied at most once.
   * Rejects with a {@link LifelineError}: `too-large` (encoded frame above the server's `maxPayload`,
   * 64 KiB until a welcome says otherwise), `outbox-full`, `closed`, `unauthorized` or `gave-up`;
   * with a `TypeError` for data that is not JSON or a bad key. Nothing is queued when it rejects.
   */
  send(data: UpOf<S>, options: SendOptions = {}): Promise<void> {
    return this.submit(data, options.key, undefined);
  }

  /**
   * The subscription to `channel` (the one held, if any): it subscribes whenever a session is ready,
   * again after every reconnect from its position, and recovers what it missed or says it could not.
   * @throws TypeError for an invalid channel name.
   */
  subscribe<C extends ChannelName<S>>(channel: C, options?: SubscribeOptions): Subscription<ChannelData<S, C>> {
    // One subscription per name, whatever its payload type: the schema gives the name its type.
    return this.channels.subscribe(channel, options) as unknown as Subscription<ChannelData<S, C>>;
  }

  /** Publish `data` on `channel` without a subscription (the server's publish hook must allow it); as `subscription.publish`. */
  publish<C extends ChannelName<S>>(channel: C, data: ChannelData<S, C>, options: SendOptions = {}): Promise<void> {
    return this.submit(data, options.key, { ch: channel });
  }

  /**
   * Call `method` on the server. The call keeps its id across reconnects and fresh sessions and the
   * server runs it at most once per id; resolves with its result, rejects with a {@link LifelineError}:
   * `timeout`, `unknown-method`, `call-failed` (the handler's message and `data`), `too-many-calls`,
   * `result-unavailable`, or as `send()` rejects.
   */
  call<M extends MethodName<S>>(method: M, params?: ParamsOf<S, M>, options?: CallOptions): Promise<ResultOf<S, M>> {
    if (this.stopped) return Promise.reject(this.stopped);
    // The result is the server's JSON; the schema says what the handler returns.
    return this.calls.call(method, params ?? null, options) as Promise<ResultOf<S, M>>;
  }

  /** Presence of `ids` (at most 100) across their devices: online, devices, last seen; identities the server hides are left out. */
  presence(ids: readonly string[], options?: CallOptions): Promise<Record<string, IdentityPresence>> {
    if (this.stopped) return Promise.reject(this.stopped);
    return this.calls.call(PRESENCE_METHOD, { ids: [...ids] }, options).then(presenceOf);
  }

  /** Listen to `type`; returns a function that removes the listener. */
  on<K extends keyof LifelineClientEventMap<DownOf<S>>>(type: K, listener: (...args: LifelineClientEventMap<DownOf<S>>[K]) => void): () => void {
    // The schema types what the server sends; the emitter carries its JSON as it arrived.
    return (this.events as unknown as Emitter<LifelineClientEventMap<DownOf<S>>>).on(type, listener);
  }

  /**
   * End the session: send `bye` when a session is ready, close with 1000, and reject every message
   * not yet acknowledged with `closed`. Later sends reject with `closed` until {@link reconnect}.
   * Idempotent.
   */
  close(): void {
    if (this.stopped?.code === 'closed') return;
    if (this.ready) writeFrame(this.socket, encode({ t: 'bye' }), this.emitError);
    this.stop(new LifelineError('closed', 'the client was closed'));
  }

  /**
   * Connect now: after `close()` or giving up this starts a new session; on a live connection it
   * replaces the link (the session resumes).
   */
  reconnect(reason = 'reconnect-called'): void {
    this.stopped = undefined;
    this.socket.reconnect(reason);
  }

  // --- Links ---------------------------------------------------------------------------------------

  private onFrame(frame: unknown): void {
    const decoded = decodeServerMessage(frame, SERVER_DECODE_LIMITS);
    if (!decoded.ok) {
      const { code, message } = decoded.error;
      return this.emitError(new LifelineError('bad-server-frame', `ignored a server frame (${code}): ${message}`));
    }
    const m: ServerMessage = decoded.message;
    if (!this.features.handle(m)) this.emitError(new LifelineError('bad-server-frame', `ignored a server frame: no handler for "${m.t}"`));
  }

  private onWelcome(w: WelcomeMessage): void {
    const link = this.handshake.link;
    const previousId = this.session.previousId;
    if (this.handshake.phase !== 'welcoming') return this.emitError(new LifelineError('bad-server-frame', `ignored a welcome while ${this.handshake.phase}`));
    this.session.establish(w.session);
    this.delivery.welcome(w);
    applyHeartbeat(this.socket, w, this.emitError);
    // Resend before anything is announced, so nothing the application sends from a listener can overtake.
    this.delivery.resend();
    const welcomed = this.handshake.welcomed();
    if (welcomed) this.lastRtt = welcomed.rtt;
    if (link !== this.handshake.link) return;
    const info: SessionInfo = w.resumed
      ? { id: w.session.id, resumed: true }
      : { id: w.session.id, resumed: false, reason: w.reason ?? 'new', ...(previousId !== undefined && previousId !== w.session.id ? { previousId } : {}) };
    this.features.welcomed(w, info);
    this.events.emit('session', info);
  }

  private onClose(event: SocketCloseEvent): void {
    const info = this.closes.closed(event);
    this.handshake.ended(`closed:${info.code}`);
    this.heartbeat.reset();
    // The server ended the session (PROTOCOL.md §4, Bounds): the next hello asks for a new one.
    if (info.code === CloseCode.SessionOverflow) this.session.forget();
    applyHeartbeat(this.socket, undefined, this.emitError);
    this.features.closed(info);
    this.events.emit('close', info);
  }

  private onGiveUp(attempts: number, reason: string): void {
    const error = this.closes.gaveUp(reason);
    if (!this.stopped) this.stop(error);
    this.emitError(error);
    this.events.emit('giveup', { attempts, reason });
  }

  /**
   * The application could not produce credentials: report it and stop, as for a 4001. Retrying
   * would only fail again until the application acts (then it calls `reconnect()`).
   */
  private authFailed(cause: unknown): void {
    const message = `auth() failed: ${cause instanceof Error ? cause.message : String(cause)}`;
    this.stop(new LifelineError('unauthorized', message, { cause }));
    this.emitError(new LifelineError('auth-failed', message, { cause }));
    this.events.emit('giveup', { attempts: 0, reason: 'auth-failed' });
  }

  /**
   * The one funnel for stopping: forget the session (its outbox is rejected, so it could not be
   * resumed consistently), reject every pending send with `error`, and close the socket.
   */
  private stop(error: LifelineError): void {
    this.stopped = error;
    this.handshake.ended(error.code === 'closed' ? 'close-called' : error.code);
    this.session.forget();
    this.delivery.rejectAll(error);
    this.calls.rejectAll(error);
    this.socket.close(1000, error.code === 'closed' ? 'bye' : error.code);
  }

  // --- Helpers -------------------------------------------------------------------------------------

  private submit(data: Json, key: string | undefined, target: MessageTarget | undefined): Promise<void> {
    if (this.stopped) return Promise.reject(this.stopped);
    if (this.durable) return this.durable.submit(data, key, target);
    try {
      return this.delivery.add(this.delivery.prepare(data, key, target));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private measured(rtt: number): void {
    this.lastRtt = rtt;
    this.events.emit('heartbeat', { rtt });
  }

  private readonly emitError = (error: LifelineError): void => {
    this.events.emit('error', error);
  };
}
