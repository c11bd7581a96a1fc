// LifelineClient: the session protocol's client side, wired onto a LifelineSocket.

import {
  CloseCode,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  closeCodeInfo,
  decodeClientMessage,
  decodeServerMessage,
  encode,
  isRetryableCloseCode,
  type ClientMessage,
  type Json,
  type PingMessage,
  type ServerDataMessage,
  type WelcomeMessage,
} from '@lifeline/protocol';
import { LifelineSocket, defaultReportError, systemClock, type Clock, type HeartbeatOptions, type SocketCloseEvent, type UrlProvider } from '@lifeline/socket';
import { Emitter } from './emitter.js';
import { LifelineError } from './errors.js';
import type { ClientState, LifelineClientEventMap, SessionInfo } from './events.js';
import { Inbox } from './inbox.js';
import { randomKeyGenerator } from './keys.js';
import { DEFAULT_MAX_PAYLOAD, resolveClientOptions, type LifelineClientOptions, type ResolvedClientOptions } from './options.js';
import { Outbox, encodeEntry, type OutboxEntry } from './outbox.js';
import { Session } from './session.js';

/**
 * The liveness deadline before a welcome announces the server's: no pings of our own (the server
 * drives the heartbeat), the link is dead 20 s + 10 s after the last frame (PROTOCOL.md §5 defaults).
 * `pong` never matches, so no server frame is ever swallowed as a heartbeat reply.
 */
const HANDSHAKE_HEARTBEAT: HeartbeatOptions = { mode: 'passive', interval: 20_000, timeout: 10_000, maxMissed: 1, pong: () => false };

/** A server `pong` (the answer to a probe); the server encodes it with `t` first. */
const isPongFrame = (data: unknown): boolean => typeof data === 'string' && data.startsWith('{"t":"pong"');

/** Server frames are bounded by the transport, not by the decoder's 64 Ki-character default. */
const SERVER_DECODE_LIMITS = { maxLength: Number.MAX_SAFE_INTEGER } as const;

/** The longest idempotency key a server accepts (the codec's `maxIdLength`). */
const MAX_KEY_LENGTH = 256;

/**
 * Where the current connection is in the session handshake: no link, waiting for `auth()`,
 * `hello` sent and waiting for `welcome`, or `ready` (session established, messages flow).
 */
type Phase = 'down' | 'authenticating' | 'welcoming' | 'ready';

/** Options of {@link LifelineClient.send}. */
export interface SendOptions {
  /** Idempotency key (1–256 characters). @default options.generateKey() */
  key?: string;
}

/**
 * A Lifeline session client. Messages sent with {@link send} are kept until the server acknowledges
 * them and resent after reconnects; server messages are delivered exactly once and in order within
 * a session; a session that could not be resumed is reported, never hidden.
 */
export class LifelineClient {
  private readonly socket: LifelineSocket;
  private readonly options: ResolvedClientOptions;
  private readonly events: Emitter<LifelineClientEventMap>;
  private readonly clock: Clock;
  private readonly outbox: Outbox;
  private readonly inbox: Inbox;
  private readonly session = new Session();

  private phase: Phase = 'down';
  /** Bumped whenever the current link ends; an `auth()` that settles later compares against it. */
  private generation = 0;
  private maxPayload = DEFAULT_MAX_PAYLOAD;
  /** The last `goaway` on this link, explaining the close that follows it. */
  private goaway: { code: number; reason: string } | undefined;
  /** The last close (after goaway substitution), to explain a giveup. */
  private lastClose: { code: number; reason: string } | undefined;
  private helloAt = 0;
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
    this.options = resolveClientOptions(options, randomKeyGenerator(options.random ?? Math.random));
    this.clock = options.clock ?? systemClock;
    this.events = new Emitter(reportError);
    this.outbox = new Outbox(this.options);
    this.inbox = new Inbox(this.options.ackEvery);
    const { WebSocket, clock, random, environment, backoff, maxAttempts, connectTimeout, minUptime } = options;
    this.socket = new LifelineSocket(url, SUBPROTOCOL, {
      WebSocket,
      clock,
      random,
      environment,
      backoff,
      maxAttempts,
      connectTimeout,
      minUptime,
      reportError,
      // The client owns buffering: the socket must refuse (throw) rather than queue behind our back.
      outbox: { maxMessages: 0 },
      heartbeat: HANDSHAKE_HEARTBEAT,
      shouldReconnect: ({ code }) => isRetryableCloseCode(code),
    });
    const s = this.socket;
    s.on('open', () => this.onOpen());
    s.on('message', (event) => this.onFrame(event.data));
    s.on('close', (event) => this.onClose(event));
    s.on('giveup', (event) => this.onGiveUp(event.attempts, event.reason));
    s.on('error', (event) => this.emitError(new LifelineError('transport', event.message, { cause: event.error })));
    s.on('statechange', ({ from, to, reason }) => this.events.emit('statechange', { from, to, reason }));
    s.on('reconnecting', ({ attempt, delay, reason }) => this.events.emit('reconnecting', { attempt, delay, reason }));
    s.on('heartbeat', ({ rtt }) => {
      this.lastRtt = rtt;
      this.events.emit('heartbeat', { rtt });
    });
  }

  // --- Public API ----------------------------------------------------------------------------------

  /** The state of the underlying connection (see `SocketState`). */
  get state(): ClientState {
    return this.socket.state;
  }

  /** Whether a session is established on the current connection (messages are written at once). */
  get ready(): boolean {
    return this.phase === 'ready';
  }

  /** The current session id, or undefined before the first welcome and after the session ended. */
  get sessionId(): string | undefined {
    return this.session.id;
  }

  /** Messages waiting for the server's acknowledgement. */
  get outboxSize(): number {
    return this.outbox.size;
  }

  /** The last server seq delivered to the application in the current session (0 before any). */
  get lastSeq(): number {
    return this.inbox.lastSeq;
  }

  /** The last measured round-trip time in ms: an active heartbeat's, else hello to welcome. */
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
  send(data: Json, options: SendOptions = {}): Promise<void> {
    if (this.stopped) return Promise.reject(this.stopped);
    let entry: OutboxEntry;
    try {
      entry = this.prepare(data, options.key);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      this.outbox.add(entry, resolve, reject);
      if (this.phase === 'ready') this.write(entry.frame);
    });
  }

  /** Listen to `type`; returns a function that removes the listener. */
  on<K extends keyof LifelineClientEventMap>(type: K, listener: (...args: LifelineClientEventMap[K]) => void): () => void {
    return this.events.on(type, listener);
  }

  /**
   * End the session: send `bye` when a session is ready, close with 1000, and reject every message
   * not yet acknowledged with `closed`. Later sends reject with `closed` until {@link reconnect}.
   * Idempotent.
   */
  close(): void {
    if (this.stopped?.code === 'closed') return;
    if (this.phase === 'ready') this.write(encode({ t: 'bye' }));
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

  // --- Connection lifecycle ------------------------------------------------------------------------

  /** The one writer of `phase`. */
  private setPhase(to: Phase): void {
    this.phase = to;
  }

  private onOpen(): void {
    const gen = ++this.generation;
    this.goaway = undefined;
    this.setPhase('authenticating');
    const { auth } = this.options;
    if (!auth) return this.sendHello(gen, undefined);
    // auth() runs on every attempt so an expired credential is replaced; it may be async.
    let result: Json | undefined | Promise<Json | undefined>;
    try {
      result = auth();
    } catch (error) {
      return this.authFailed(gen, error);
    }
    Promise.resolve(result).then(
      (credentials) => this.sendHello(gen, credentials),
      (error: unknown) => this.authFailed(gen, error),
    );
  }

  private sendHello(gen: number, auth: Json | undefined): void {
    // The link this auth() was for may be gone, or replaced by a newer one.
    if (gen !== this.generation || this.phase !== 'authenticating') return;
    const resume = this.session.resume(this.inbox.lastSeq);
    const hello: ClientMessage = {
      t: 'hello',
      v: PROTOCOL_VERSION,
      ...(resume ? { resume } : {}),
      ...(auth !== undefined ? { auth } : {}),
    };
    this.helloAt = this.clock.now();
    if (this.write(encode(hello))) this.setPhase('welcoming');
  }

  /**
   * The application could not produce credentials: report it and stop, as for a 4001. Retrying
   * would only fail again until the application acts (then it calls `reconnect()`).
   */
  private authFailed(gen: number, cause: unknown): void {
    if (gen !== this.generation || this.phase !== 'authenticating') return;
    const message = `auth() failed: ${describe(cause)}`;
    this.stop(new LifelineError('unauthorized', message, { cause }));
    this.emitError(new LifelineError('auth-failed', message, { cause }));
    this.events.emit('giveup', { attempts: 0, reason: 'auth-failed' });
  }

  private onClose(event: SocketCloseEvent): void {
    this.generation++;
    this.setPhase('down');
    const goaway = this.goaway;
    this.goaway = undefined;
    // A goaway names the real reason when the close frame itself was lost.
    const lostFrame = event.code === CloseCode.Abnormal || event.code === CloseCode.NoStatus;
    const code = goaway && lostFrame ? goaway.code : event.code;
    const reason = goaway && lostFrame ? goaway.reason : event.reason;
    this.lastClose = { code, reason };
    // The server ended the session (PROTOCOL.md §4, Bounds): the next hello asks for a new one.
    if (code === CloseCode.SessionOverflow) this.session.forget();
    try {
      this.socket.setHeartbeat(HANDSHAKE_HEARTBEAT);
    } catch (error) {
      this.emitError(new LifelineError('transport', `could not reset the heartbeat: ${describe(error)}`, { cause: error }));
    }
    this.events.emit('close', { code, reason, wasClean: event.wasClean });
  }

  private onGiveUp(attempts: number, reason: string): void {
    const closeCode = this.lastClose?.code;
    const auth = closeCode === CloseCode.Unauthorized || closeCode === CloseCode.Forbidden;
    const name = closeCode === undefined ? undefined : closeCodeInfo(closeCode)?.name;
    const said = this.lastClose?.reason ? `: ${this.lastClose.reason}` : '';
    const what =
      reason === 'max-attempts' || closeCode === undefined ? reason : `close code ${closeCode}${name ? ` (${name})` : ''}${said}`;
    const error = auth
      ? new LifelineError('unauthorized', `the server refused the credentials: ${what}`, { closeCode })
      : new LifelineError('gave-up', `stopped reconnecting: ${what}`, { closeCode });
    if (!this.stopped) this.stop(error);
    this.emitError(error);
    this.events.emit('giveup', { attempts, reason });
  }

  /**
   * The one funnel for stopping: forget the session (its outbox is rejected, so it could not be
   * resumed consistently), reject every pending send with `error`, and close the socket.
   */
  private stop(error: LifelineError): void {
    this.stopped = error;
    this.generation++;
    this.setPhase('down');
    this.session.forget();
    this.outbox.rejectAll(error);
    this.socket.close(1000, error.code === 'closed' ? 'bye' : error.code);
  }

  // --- Server frames -------------------------------------------------------------------------------

  private onFrame(frame: unknown): void {
    const decoded = decodeServerMessage(frame, SERVER_DECODE_LIMITS);
    if (!decoded.ok) {
      const { code, message } = decoded.error;
      return this.emitError(new LifelineError('bad-server-frame', `ignored a server frame (${code}): ${message}`));
    }
    const m = decoded.message;
    switch (m.t) {
      case 'welcome':
        return this.onWelcome(m);
      case 'msg':
        return this.onData(m);
      case 'ack':
        if (this.phase === 'ready') this.outbox.ack(m.seq);
        return;
      case 'ping':
        return this.onPing(m);
      case 'error':
        return this.emitError(new LifelineError(m.code, `server error: ${m.message}`, m.seq === undefined ? {} : { seq: m.seq }));
      case 'goaway':
        this.goaway = { code: m.code, reason: m.reason };
        if (m.retryAfter !== undefined) this.socket.retryAfter(m.retryAfter);
        return;
    }
  }

  private onWelcome(w: WelcomeMessage): void {
    if (this.phase !== 'welcoming') {
      return this.emitError(new LifelineError('bad-server-frame', `ignored a welcome while ${this.phase}`));
    }
    const gen = this.generation;
    this.lastRtt = this.clock.now() - this.helloAt;
    const previousId = this.session.previousId;
    this.session.establish(w.session);
    this.maxPayload = w.maxPayload;
    try {
      this.socket.setHeartbeat({
        ...HANDSHAKE_HEARTBEAT,
        interval: w.heartbeat.interval,
        timeout: w.heartbeat.timeout,
        // The server drives the heartbeat; we ping only to probe a doubtful link (back online,
        // visible again, awake after sleep) and expect its pong within `timeout`.
        probe: true,
        message: () => encode({ t: 'ping', ack: this.inbox.lastSeq }),
        pong: isPongFrame,
      });
    } catch (error) {
      this.emitError(new LifelineError('bad-server-frame', `unusable welcome.heartbeat: ${describe(error)}`, { cause: error }));
    }
    this.inbox.restart(!w.resumed);
    if (w.resumed) {
      // The server has everything up to its lastSeq; the rest goes again with the original seq.
      this.outbox.ack(w.lastSeq);
    } else {
      // A fresh session numbers from 1; the keys stay, so the server still deduplicates.
      this.outbox.renumber((bytes) =>
        bytes > w.maxPayload
          ? new LifelineError('too-large', `message of ${bytes} bytes exceeds the new server limit of ${w.maxPayload}`)
          : undefined,
      );
    }
    this.setPhase('ready');
    // Resend before telling the application, so nothing it sends from a listener can overtake.
    for (const entry of this.outbox.pending()) if (!this.write(entry.frame)) break;
    if (gen !== this.generation) return;
    const info: SessionInfo = w.resumed
      ? { id: w.session.id, resumed: true }
      : {
          id: w.session.id,
          resumed: false,
          reason: w.reason ?? 'new',
          ...(previousId !== undefined && previousId !== w.session.id ? { previousId } : {}),
        };
    this.events.emit('session', info);
  }

  private onData(m: ServerDataMessage): void {
    if (this.phase !== 'ready') return;
    // Replays (seq already delivered) and gaps (seq skipping ahead) are dropped silently; a gap is
    // never acknowledged past, so a resume replays from the real position.
    if (this.inbox.classify(m.seq) !== 'deliver') return;
    const gen = this.generation;
    const ackDue = this.inbox.markDelivered(m.seq);
    this.events.emit('message', m.data, { seq: m.seq });
    if (ackDue === undefined || gen !== this.generation || this.phase !== 'ready') return;
    if (this.write(encode({ t: 'ack', seq: this.inbox.lastSeq }))) this.inbox.ackedAll();
  }

  private onPing(m: PingMessage): void {
    if (this.phase !== 'ready') return;
    if (m.ack !== undefined) this.outbox.ack(m.ack);
    if (this.write(encode({ t: 'pong', ack: this.inbox.lastSeq }))) this.inbox.ackedAll();
  }

  // --- Helpers -------------------------------------------------------------------------------------

  /** Number, encode, measure and check one outgoing message; throws what `send()` rejects with. */
  private prepare(data: Json, appKey: string | undefined): OutboxEntry {
    const key = appKey ?? this.options.generateKey();
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new TypeError(`LifelineClient.send: a key must be a string of 1 to ${MAX_KEY_LENGTH} characters`);
    }
    const seq = this.outbox.nextSeq;
    let encoded: { frame: string; bytes: number };
    try {
      encoded = encodeEntry(seq, key, data);
    } catch (error) {
      throw new TypeError(`LifelineClient.send: data is not JSON-serialisable: ${describe(error)}`);
    }
    if (encoded.bytes > this.maxPayload) {
      throw new LifelineError('too-large', `message of ${encoded.bytes} bytes exceeds the server limit of ${this.maxPayload}`);
    }
    // Check what the server's decoder checks (JSON shape, depth, forbidden keys) and keep the parsed
    // copy: a renumbering after a fresh welcome must not see the application's later mutations.
    const checked = decodeClientMessage(encoded.frame, { maxLength: Number.MAX_SAFE_INTEGER });
    if (!checked.ok || checked.message.t !== 'msg') {
      const why = checked.ok ? 'not a message' : checked.error.message;
      throw new TypeError(`LifelineClient.send: the server would reject this message: ${why}`);
    }
    if (!this.outbox.fits(encoded.bytes)) {
      const { size, bytes } = this.outbox;
      throw new LifelineError('outbox-full', `outbox full: ${size} messages and ${bytes} bytes wait for acknowledgement`);
    }
    return { seq, key, data: checked.message.data, frame: encoded.frame, bytes: encoded.bytes };
  }

  /** Write one frame; a throw means the link is gone (the message stays in the outbox). */
  private write(frame: string): boolean {
    try {
      this.socket.send(frame);
      return true;
    } catch {
      return false;
    }
  }

  private emitError(error: LifelineError): void {
    this.events.emit('error', error);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
