// keepAlive: one sweep for all connections of a ws-style server, terminating peers that went silent.

/** The parts of a server-side socket (a `ws` WebSocket) that {@link keepAlive} uses. */
export interface PeerLike {
  /** Send a protocol-level ping; browsers answer with a pong automatically. */
  ping(): void;
  /** Destroy the connection without a closing handshake. */
  terminate(): void;
  send(data: string): void;
  on(event: 'pong', listener: () => void): unknown;
  on(event: 'message', listener: (data: unknown, isBinary?: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

/** The parts of a server (a `ws` WebSocketServer) that {@link keepAlive} uses. */
export interface ServerLike<P extends PeerLike> {
  readonly clients: Iterable<P>;
  on(event: 'connection', listener: (peer: P) => void): unknown;
  off?(event: 'connection', listener: (peer: P) => void): unknown;
}

/** Interval timers and the time, injected for tests. */
export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  /** Milliseconds, as `Date.now()`. @default Date.now */
  now?(): number;
}

/** Options of {@link keepAlive}. */
export interface KeepAliveOptions {
  /** Milliseconds of silence after which a peer is pinged. @default 20000 */
  interval?: number;
  /**
   * Milliseconds a pinged peer gets to show life: a peer silent for `interval + timeout` is
   * terminated, within that bound (the sweep runs every quarter of the shorter of the two and
   * checks one sweep early). @default interval / 2 (10000 with the default interval)
   */
  timeout?: number;
  /**
   * Answer an application-level ping (e.g. `{ ping: 'HeartCheck', pong: 'WebsocketLive' }`) for
   * clients that cannot see protocol pings. Only text messages of at most 256 bytes are compared.
   * @default undefined (no answering)
   */
  answer?: { ping: string | RegExp; pong: string };
  /** @default globalThis (its setInterval and clearInterval) and Date.now */
  timers?: IntervalTimers;
}

/** The handle {@link keepAlive} returns. */
export interface KeepAlive {
  /** Stop sweeping and answering. Idempotent. */
  stop(): void;
  stats(): { terminated: number };
}

interface PeerState {
  /** Last message or pong. */
  lastSeen: number;
  /** Last ping we sent (or the first sight of the peer). */
  lastPing: number;
}

// Application pings are short; decoding large messages to compare them would waste the server's time.
const MAX_PING_BYTES = 256;

/**
 * Detect and drop broken connections with one interval for the whole server, as the `ws` README
 * recommends, but with deadlines instead of a flag: a peer idle for `interval` gets a protocol ping,
 * and a peer that showed no life (no message, no pong) for `interval + timeout` is terminated.
 * Busy peers are never pinged: their traffic proves them alive.
 */
export function keepAlive<P extends PeerLike>(server: ServerLike<P>, options: KeepAliveOptions = {}): KeepAlive {
  const interval = checkDuration('interval', options.interval ?? 20_000);
  const timeout = checkDuration('timeout', options.timeout ?? Math.max(1, Math.floor(interval / 2)));
  const tick = Math.max(1, Math.floor(Math.min(interval, timeout) / 4));
  const { answer } = options;
  const validPing = typeof answer?.ping === 'string' || answer?.ping instanceof RegExp;
  if (answer !== undefined && (typeof answer.pong !== 'string' || !validPing)) {
    throw new TypeError('keepAlive: answer must be { ping: string | RegExp, pong: string }');
  }
  const timers = options.timers ?? (globalThis as unknown as IntervalTimers);
  const now = (): number => timers.now?.() ?? Date.now();
  const peers = new WeakMap<P, PeerState>();
  let terminated = 0;
  let stopped = false;

  const track = (peer: P): PeerState => {
    const seen = now();
    const state: PeerState = { lastSeen: seen, lastPing: seen };
    peers.set(peer, state);
    peer.on('pong', () => {
      state.lastSeen = now();
    });
    peer.on('message', (data, isBinary) => {
      if (stopped) return;
      state.lastSeen = now();
      if (answer && isBinary !== true && matches(answer.ping, textOf(data))) attempt(() => peer.send(answer.pong));
    });
    peer.on('close', () => {
      peers.delete(peer);
    });
    return state;
  };

  const onConnection = (peer: P): void => {
    if (!peers.has(peer)) track(peer);
  };

  const sweep = (): void => {
    const at = now();
    for (const peer of server.clients) {
      // Peers that connected before keepAlive() was called start out alive.
      const state = peers.get(peer) ?? track(peer);
      // One tick early, so no dead peer outlives interval + timeout.
      if (at - state.lastSeen >= interval + timeout - tick) {
        peers.delete(peer);
        terminated++;
        attempt(() => peer.terminate());
      } else if (at - Math.max(state.lastSeen, state.lastPing) >= interval) {
        state.lastPing = at;
        attempt(() => peer.ping()); // ws throws while a socket is still CONNECTING
      }
    }
  };

  server.on('connection', onConnection);
  const handle = timers.setInterval(sweep, tick);

  return {
    stop() {
      if (stopped) return;
      stopped = true;
      timers.clearInterval(handle);
      server.off?.('connection', onConnection);
    },
    stats: () => ({ terminated }),
  };
}

function checkDuration(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 1 && value <= 2_147_483_647)) {
    throw new RangeError(`keepAlive: ${name} must be between 1 and 2147483647 ms, got ${String(value)}`);
  }
  return value;
}

function matches(ping: string | RegExp, text: string | undefined): boolean {
  if (text === undefined) return false;
  if (typeof ping === 'string') return text === ping;
  ping.lastIndex = 0; // a /g or /y pattern would otherwise resume where the last test stopped
  return ping.test(text);
}

type Decoder = { decode(input: unknown): string };
let decoder: Decoder | undefined;

/** The text of a short message: a string, or bytes (a Node Buffer, an ArrayBuffer) decoded as UTF-8. */
function textOf(data: unknown): string | undefined {
  if (typeof data === 'string') return data.length <= MAX_PING_BYTES ? data : undefined;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const { byteLength } = data as { byteLength?: unknown };
  if (typeof byteLength !== 'number' || byteLength > MAX_PING_BYTES) return undefined;
  if (!decoder) {
    const TextDecoder = (globalThis as { TextDecoder?: new () => Decoder }).TextDecoder;
    if (!TextDecoder) return undefined;
    decoder = new TextDecoder();
  }
  try {
    return decoder.decode(data);
  } catch {
    return undefined; // not a buffer after all
  }
}

/** Run a call on a peer that may already be closing; its failure changes nothing for the sweep. */
function attempt(call: () => void): void {
  try {
    call();
  } catch {
    // The peer is closing or closed; its 'close' event cleans up.
  }
}
