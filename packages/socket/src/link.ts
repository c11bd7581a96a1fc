// The link slot: the current socket or attempt, its generation and connect timeout, guarded handlers, letting go.

import { TimerSlot } from '@lifeline/core';
import { isBinaryType, parseWebSocketUrl } from './api-arguments.js';
import type { ResolvedOptions } from './options.js';
import type { TransportCloseEvent, TransportErrorEvent, TransportMessageEvent, WebSocketLike } from './transport.js';

/** Where to connect: a URL, or a function called before every attempt (e.g. to add a fresh token). */
export type UrlProvider = string | (() => string | Promise<string>);

/** How a dropped socket is let go: `keep` it (already closed), `close` it politely, or `destroy` it. */
export type LetGo = 'keep' | 'close' | 'destroy';

/** The options a {@link Link} reads: the transport, the clock, and the attempt timeout. */
export type LinkOptions = Pick<ResolvedOptions, 'WebSocket' | 'clock' | 'connectTimeout'>;

/** What a {@link Link} reports to its owner, only ever for the current generation. */
export interface LinkHandlers {
  open(): void;
  message(event: TransportMessageEvent): void;
  close(event: TransportCloseEvent): void;
  error(event: TransportErrorEvent): void;
  /**
   * The URL could not be resolved or the transport refused it: there is no socket, so no `close`.
   * `permanent`: the URL itself is invalid (a `SyntaxError`) or forbidden (a `SecurityError`), so
   * trying it again would fail the same way.
   */
  failed(error: unknown, permanent: boolean): void;
  /** The attempt did not open within `connectTimeout`; its timer fired `late` ms after its due time. */
  timedOut(late: number): void;
}

/**
 * Holds at most one platform socket and the generation number of the current link or attempt.
 * {@link Link.release} bumps the generation, so every callback of an older socket, and every URL
 * promise of an older attempt, goes stale and never reaches the {@link LinkHandlers}. An attempt is
 * in flight from {@link Link.connect} until it opens or is released; the connect timer spans exactly
 * that. The link also keeps what the latest one told us (URL, subprotocol, extensions) and the
 * user's `binaryType`.
 */
export class Link {
  private gen = 0;
  private readonly connectTimer: TimerSlot;
  private socket: WebSocketLike | null = null;
  private lastUrl = '';
  private lastOrigin = '';
  private lastProtocol = '';
  private lastExtensions = '';
  private userBinaryType: string | undefined;

  constructor(
    private readonly urlProvider: UrlProvider,
    private readonly protocols: string | string[] | undefined,
    private readonly options: LinkOptions,
    private readonly handlers: LinkHandlers,
  ) {
    this.connectTimer = new TimerSlot(options.clock);
  }

  /** The number of the current link or attempt; callbacks that captured an older one are stale. */
  get generation(): number {
    return this.gen;
  }

  /** Whether an attempt is in flight: started and neither opened nor released yet. */
  get attemptInFlight(): boolean {
    return this.connectTimer.armed;
  }

  /** The socket of the current generation, once constructed. */
  get current(): WebSocketLike | null {
    return this.socket;
  }

  /** The parsed URL of the latest attempt (as the WebSocket API reports it); '' until one is resolved. */
  get url(): string {
    return this.lastUrl;
  }

  /** The origin of {@link Link.url} ('ws://host:port'), as `MessageEvent.origin` reports it. */
  get origin(): string {
    return this.lastOrigin;
  }

  /** The subprotocol the latest link negotiated. */
  get protocol(): string {
    return this.lastProtocol;
  }

  /** The extensions the latest link negotiated. */
  get extensions(): string {
    return this.lastExtensions;
  }

  /** The user's value once set, else the current socket's own, else 'blob'. */
  get binaryType(): string {
    return this.userBinaryType ?? this.socket?.binaryType ?? 'blob';
  }

  /**
   * Keep `value` for this and every later link if it is 'blob' or 'arraybuffer', or if the current
   * socket accepts it (a transport's own value, such as `ws`'s 'nodebuffer'); ignore it otherwise,
   * as the platform ignores invalid values.
   */
  set binaryType(value: string) {
    const socket = this.socket;
    if (isBinaryType(value)) {
      this.userBinaryType = value;
      if (socket) socket.binaryType = value;
      return;
    }
    if (!socket || typeof value !== 'string') return;
    const before = socket.binaryType;
    socket.binaryType = value;
    if (socket.binaryType === value) this.userBinaryType = value;
    else if (socket.binaryType !== before) socket.binaryType = before;
  }

  /** Bytes the current socket has not yet sent. */
  get bufferedAmount(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  /**
   * Start an attempt: arm the connect timeout, resolve the URL, and construct the socket for the
   * current generation, synchronously for a string (or a function returning one), else once the
   * promise settles.
   */
  connect(): void {
    // The timeout covers URL resolution too: a provider that never settles cannot wedge us.
    this.connectTimer.set(this.options.connectTimeout, (late) => this.handlers.timedOut(late));
    const gen = this.gen;
    const provider = this.urlProvider;
    let url: string | Promise<string>;
    try {
      url = typeof provider === 'string' ? provider : provider();
    } catch (error) {
      return this.fail(gen, error);
    }
    if (typeof url === 'string') return this.create(gen, url);
    Promise.resolve(url).then(
      (resolved) => this.create(gen, resolved),
      (error: unknown) => this.fail(gen, error),
    );
  }

  /**
   * Abandon the current link or attempt: bump the generation, cancel the connect timeout, and
   * return the socket, detached, for the caller to let go.
   */
  release(): WebSocketLike | null {
    this.gen++;
    this.connectTimer.clear();
    const socket = this.socket;
    this.socket = null;
    if (socket) detach(socket);
    return socket;
  }

  private create(gen: number, raw: unknown): void {
    if (gen !== this.gen) return;
    if (typeof raw !== 'string') {
      return this.fail(gen, new TypeError(`LifelineSocket: the url function returned ${typeof raw}, not a string`));
    }
    let url: string;
    try {
      url = parseWebSocketUrl(raw);
    } catch (error) {
      return this.fail(gen, error, true);
    }
    this.lastUrl = url;
    this.lastOrigin = originOf(url);
    const { protocols } = this;
    const { WebSocket } = this.options;
    let socket: WebSocketLike;
    try {
      socket = protocols === undefined ? new WebSocket(url) : new WebSocket(url, protocols);
    } catch (error) {
      return this.fail(gen, error, isPermanentFailure(error));
    }
    if (this.userBinaryType !== undefined) socket.binaryType = this.userBinaryType;
    const { handlers } = this;
    socket.onopen = () => {
      if (gen !== this.gen) return;
      this.connectTimer.clear();
      this.lastProtocol = socket.protocol ?? '';
      this.lastExtensions = socket.extensions ?? '';
      handlers.open();
    };
    socket.onmessage = (event) => {
      if (gen === this.gen) handlers.message(event);
    };
    socket.onclose = (event) => {
      if (gen === this.gen) handlers.close(event);
    };
    socket.onerror = (event) => {
      if (gen === this.gen) handlers.error(event);
    };
    this.socket = socket;
  }

  /** `permanent` only for the URL and the transport's verdict on it; a throwing url function may recover. */
  private fail(gen: number, error: unknown, permanent = false): void {
    if (gen === this.gen) this.handlers.failed(error, permanent);
  }
}

/** Whether the transport's constructor refused in a way no retry can fix: an invalid (SyntaxError) or forbidden (SecurityError) URL. */
export function isPermanentFailure(error: unknown): boolean {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return name === 'SyntaxError' || name === 'SecurityError';
}

function originOf(url: string): string {
  const URLImpl = (globalThis as { URL?: new (url: string) => { origin?: unknown } }).URL;
  try {
    const origin = URLImpl ? new URLImpl(url).origin : undefined;
    return typeof origin === 'string' ? origin : '';
  } catch {
    return ''; // a URL the transport accepted but this URL implementation cannot read
  }
}

/** End a released socket the way its owner chose. */
export function letGo(socket: WebSocketLike, how: LetGo): void {
  if (how === 'destroy') destroy(socket);
  else if (how === 'close') closeQuietly(socket, 1000, 'reconnect');
}

/**
 * Make a dropped socket's late events unable to reach us. No-ops rather than null: `ws` emits
 * 'error' after `terminate()` on a connecting socket, and an EventEmitter with no 'error' listener
 * throws it as an uncaught exception.
 */
export function detach(socket: WebSocketLike): void {
  socket.onopen = ignore;
  socket.onmessage = ignore;
  socket.onclose = ignore;
  socket.onerror = ignore;
}

function ignore(): void {}

/** End a socket without waiting for a closing handshake a dead peer will never answer. */
export function destroy(socket: WebSocketLike): void {
  detach(socket);
  try {
    if (socket.terminate) socket.terminate();
    else socket.close();
  } catch {
    // The socket is being discarded; whatever state it was in no longer matters.
  }
}

/** Start a closing handshake (without a status code when `code` is undefined), ignoring a socket that is already closing or closed. */
export function closeQuietly(socket: WebSocketLike, code: number | undefined, reason: string): void {
  try {
    if (code === undefined) socket.close();
    else socket.close(code, reason);
  } catch {
    // Already closing or closed: nothing left to tell the peer.
  }
}
