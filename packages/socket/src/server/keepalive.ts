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

/** Interval timers, injected for tests. */
export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Options of {@link keepAlive}. */
export interface KeepAliveOptions {
  /** Milliseconds between sweeps; a peer silent for a whole period is terminated at the next. @default 20000 */
  interval?: number;
  /**
   * Answer an application-level ping (e.g. `{ ping: 'HeartCheck', pong: 'WebsocketLive' }`) for
   * clients that cannot see protocol pings. Only text messages of at most 256 bytes are compared.
   * @default undefined (no answering)
   */
  answer?: { ping: string | RegExp; pong: string };
  /** @default globalThis (its setInterval and clearInterval) */
  timers?: IntervalTimers;
}

/** The handle {@link keepAlive} returns. */
export interface KeepAlive {
  /** Stop sweeping and answering. Idempotent. */
  stop(): void;
  stats(): { terminated: number };
}

interface PeerState {
  alive: boolean;
}

// Application pings are short; decoding large messages to compare them would waste the server's time.
const MAX_PING_BYTES = 256;

/**
 * Detect and drop broken connections with one interval for the whole server, as in the `ws` README:
 * every sweep, a peer that showed no life (no message, no pong) since the previous sweep is
 * terminated; every other peer is marked silent and pinged.
 */
export function keepAlive<P extends PeerLike>(server: ServerLike<P>, options: KeepAliveOptions = {}): KeepAlive {
  const interval = options.interval ?? 20_000;
  if (typeof interval !== 'number' || !(interval >= 1 && interval <= 2_147_483_647)) {
    throw new RangeError(`keepAlive: interval must be between 1 and 2147483647 ms, got ${String(interval)}`);
  }
  const { answer } = options;
  const validPing = typeof answer?.ping === 'string' || answer?.ping instanceof RegExp;
  if (answer !== undefined && (typeof answer.pong !== 'string' || !validPing)) {
    throw new TypeError('keepAlive: answer must be { ping: string | RegExp, pong: string }');
  }
  const timers = options.timers ?? (globalThis as unknown as IntervalTimers);
  const peers = new WeakMap<P, PeerState>();
  let terminated = 0;
  let stopped = false;

  const track = (peer: P): PeerState => {
    const state: PeerState = { alive: true };
    peers.set(peer, state);
    peer.on('pong', () => {
      state.alive = true;
    });
    peer.on('message', (data, isBinary) => {
      if (stopped) return;
      state.alive = true;
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
    for (const peer of server.clients) {
      // Peers that connected before keepAlive() was called start out alive.
      const state = peers.get(peer) ?? track(peer);
      if (!state.alive) {
        peers.delete(peer);
        terminated++;
        attempt(() => peer.terminate());
        continue;
      }
      state.alive = false;
      attempt(() => peer.ping()); // ws throws while a socket is still CONNECTING
    }
  };

  server.on('connection', onConnection);
  const handle = timers.setInterval(sweep, interval);

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
