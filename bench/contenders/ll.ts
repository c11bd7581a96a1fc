// LL: the Lifeline session client and server (packages/client + packages/server), defaults.
//
// Defaults everywhere except where a default would make a scenario meaningless; each exception is
// in the description (and in the scenario's notes):
//   - server `origins: 'any'`: the policy is required, and Node load clients send no Origin;
//   - client `ws` injected and `nullEnvironment` (Node has no WebSocket global and no browser signals);
//   - server limits per remote address off (`maxSessionsPerAddress: Infinity`, `identityRateLimit`
//     {@link BULK_RATE_LIMIT}, `dedupeMaxKeysPerIdentity` {@link BULK_KEYS}): every load client comes
//     from 127.0.0.1, and without an auth hook the defaults (1,000 sessions, 500 msg/s and 10,000
//     unconfirmed idempotency keys per address) would count the whole fleet as one user;
//   - `bulkInbound` scenarios (S3, S8): server `rateLimit` raised to {@link BULK_RATE_LIMIT}; the
//     default (50 msg/s per session) is a DoS guard that closes the load connections with 4029;
//   - `bulkOutbox` clients (S8): `outbox` = BULK_OUTBOX (10,000 messages, 8 MiB) instead of 1,000 / 1 MiB.
// Loaded from the optional bundles (loadOptional('server-ws' | 'client' | 'socket')), so a broken package
// only makes LL "n/a". Raw load clients (S1-S4) speak docs/PROTOCOL.md directly, see `llConn`.

import WebSocket from 'ws';
import { BULK_OUTBOX, type ClientOptions, type Contender, type LibClient, type Probe, type ServerApp, type ServerConfig, type ServerHandle, type WireConn } from './types.js';
import { loadOptional } from './optional.js';

/** Per-connection inbound rate for `bulkInbound` scenarios: effectively no limit. */
export const BULK_RATE_LIMIT = { perSecond: 1_000_000, burst: 1_000_000 } as const;

/** Idempotency keys per address (the whole fleet is one address): as many as the store holds in all. */
export const BULK_KEYS = 100_000;

/** The slice of the Lifeline server API the harness uses (checked at load time, not trusted). */
interface LlServer {
  readonly listening: Promise<void>;
  readonly port: number;
  on(event: 'message', listener: (session: unknown, data: unknown) => void): () => void;
  on(event: 'disconnect', listener: () => void): () => void;
  on(event: 'error', listener: (error: unknown, context: string) => void): () => void;
  broadcast(data: string): Promise<void>;
  publish(channel: string, data: string): Promise<unknown>;
  readonly sessions: { readonly size: number };
  stats(): { connections: number };
  close(options?: { drain?: number }): Promise<void>;
}
type CreateServer = (options: Record<string, unknown>) => LlServer;

/** The slice of LifelineClient the harness uses. */
interface LlClient {
  readonly ready: boolean;
  readonly outboxSize: number;
  send(data: string): Promise<void>;
  on(type: 'session', listener: () => void): () => void;
  on(type: 'close', listener: () => void): () => void;
  on(type: 'error', listener: (error: unknown) => void): () => void;
  close(): void;
}
type ClientCtor = new (url: string, options: Record<string, unknown>) => LlClient;

interface Loaded {
  createLifelineServer: CreateServer;
  LifelineClient: ClientCtor;
  nullEnvironment: unknown;
}
let loaded: Loaded | null = null;

async function load(): Promise<Probe> {
  const [server, client, socket] = await Promise.all([loadOptional('server-ws'), loadOptional('client'), loadOptional('socket')]);
  if (!server || typeof server.createLifelineServer !== 'function') return { available: false, reason: 'createLifelineServer not exported by @lifeline/server/ws' };
  if (!client || typeof client.LifelineClient !== 'function') return { available: false, reason: 'LifelineClient not exported by @lifeline/client' };
  if (!socket || typeof socket.nullEnvironment !== 'object' || socket.nullEnvironment === null) return { available: false, reason: 'nullEnvironment not exported by @lifeline/socket' };
  loaded = {
    createLifelineServer: server.createLifelineServer as CreateServer,
    LifelineClient: client.LifelineClient as ClientCtor,
    nullEnvironment: socket.nullEnvironment,
  };
  return { available: true };
}

function need(): Loaded {
  if (!loaded) throw new Error('LL used before probe()');
  return loaded;
}

/** First byte of a one-way S8 message ('m'); anything else (S3 requests) is not the app's. */
const MSG = 'm';

async function startLlServer(config: ServerConfig, app: ServerApp): Promise<ServerHandle> {
  const hb = config.heartbeat;
  const server = need().createLifelineServer({
    origins: 'any',
    host: '127.0.0.1',
    port: config.port,
    // undefined keeps createLifelineServer's own default (4096, not Node's 511).
    ...(config.backlog === undefined ? {} : { backlog: config.backlog }),
    ...(hb === 'default' ? {} : { heartbeat: { interval: hb.intervalMs, timeout: hb.timeoutMs } }),
    // Every load client shares 127.0.0.1: the limits per remote address of an anonymous client
    // would count the whole fleet as one user.
    maxSessionsPerAddress: Infinity,
    identityRateLimit: BULK_RATE_LIMIT,
    dedupeMaxKeysPerIdentity: BULK_KEYS,
    ...(config.bulkInbound ? { rateLimit: BULK_RATE_LIMIT } : {}),
  });
  server.on('error', () => {}); // annotations only; a load client dying mid-frame is expected
  server.on('message', (_session, data) => {
    if (typeof data === 'string' && data.startsWith(MSG)) app.onMessage(data);
  });
  server.on('disconnect', () => app.onFreed());
  await server.listening;
  return {
    port: server.port,
    connections: () => server.stats().connections,
    // One broker publish reaches every session (every subscriber of the channel): as many deliveries as sessions held.
    broadcast: config.channelFanout
      ? (payload) => {
          void server.publish(FANOUT_CHANNEL, payload);
          return server.sessions.size;
        }
      : (payload) => {
          void server.broadcast(payload);
          return server.sessions.size;
        },
    close: () => server.close({ drain: 0 }),
  };
}

// ---- raw wire (S1-S4) ------------------------------------------------------------------------

/** Servers encode with `t` first (JSON.stringify of `{t, ...}`), so the type sits at byte 6. */
const PREFIX = Buffer.from('{"t":"');
const SEQ_KEY = Buffer.from('"seq":');
/** Deliveries acked per `ack`, as the real client does (DEFAULT_ACK_EVERY, PROTOCOL.md §4). */
const ACK_EVERY = 32;
const HELLO = JSON.stringify({ t: 'hello', v: 1 });
/** S4's channel variant: every load connection subscribes to this one channel. */
const FANOUT_CHANNEL = 'bench';
const SUBSCRIBE = JSON.stringify({ t: 'sub', ch: FANOUT_CHANNEL });

/** The unsigned integer at `at`, or -1. */
function intAt(data: Buffer, at: number): number {
  let n = 0;
  let i = at;
  for (; i < data.length; i++) {
    const c = data[i] ?? 0;
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
  }
  return i === at ? -1 : n;
}

function seqOf(data: Buffer): number {
  const at = data.indexOf(SEQ_KEY);
  return at < 0 ? -1 : intAt(data, at + SEQ_KEY.length);
}

/** The message type of a server frame (fast path on the server's encoding, JSON.parse otherwise). */
function typeOf(data: Buffer): string {
  if (data.length > PREFIX.length && data.compare(PREFIX, 0, PREFIX.length, 0, PREFIX.length) === 0) {
    const end = data.indexOf(0x22, PREFIX.length); // closing quote
    if (end > 0) return data.toString('latin1', PREFIX.length, end);
  }
  try {
    const v: unknown = JSON.parse(data.toString('utf8'));
    return typeof v === 'object' && v !== null && typeof (v as { t?: unknown }).t === 'string' ? (v as { t: string }).t : '';
  } catch {
    return '';
  }
}

/**
 * One raw connection speaking lifeline.v1: `hello` → `welcome` is ready; `ping` → `pong` carrying the
 * cumulative ack; a request is a `msg` (no idempotency key: optional in PROTOCOL.md §4) and the
 * server's cumulative `ack` covering its seq is the reply; a server `msg` is a delivery, acked every 32.
 */
function llConn(variant?: string): WireConn {
  const subscribe = variant === 'channel';
  let nextSeq = 1;
  /** Outstanding requests in send order: [seq, harness id] pairs, flattened. */
  const pending: number[] = [];
  let head = 0;
  let delivered = 0;
  let unacked = 0;
  return {
    open(send) {
      send(HELLO);
      return false;
    },
    frame(data, send, out) {
      const t = typeOf(data);
      switch (t) {
        case 'ack': {
          const seq = seqOf(data);
          let id = -1;
          while (head < pending.length && (pending[head] ?? Infinity) <= seq) {
            id = pending[head + 1] ?? -1;
            head += 2;
          }
          if (head === pending.length) {
            pending.length = 0;
            head = 0;
          } else if (head > 1024) {
            pending.splice(0, head);
            head = 0;
          }
          if (id < 0) return 'other';
          out.id = id;
          out.cumulative = true;
          return 'reply';
        }
        case 'msg': {
          const seq = seqOf(data);
          if (seq === delivered + 1) {
            delivered = seq;
            if (++unacked >= ACK_EVERY) {
              send(`{"t":"ack","seq":${delivered}}`);
              unacked = 0;
            }
          }
          return 'delivery';
        }
        case 'ping':
          send(`{"t":"pong","ack":${delivered}}`);
          unacked = 0;
          return 'beat';
        case 'welcome':
          if (!subscribe) return 'ready';
          send(SUBSCRIBE);
          return 'other';
        case 'subscribed':
          return 'ready';
        case 'pub':
          return 'delivery';
        default:
          return 'other';
      }
    },
    request(id, body) {
      const seq = nextSeq++;
      pending.push(seq, id);
      return `{"t":"msg","seq":${seq},"data":${JSON.stringify(body)}}`;
    },
  };
}

// ---- full client (S5-S8) ---------------------------------------------------------------------

class LlLibClient implements LibClient {
  private readonly client: LlClient;
  private opened = false;

  constructor(o: ClientOptions) {
    const { LifelineClient, nullEnvironment } = need();
    const onAttempt = o.onAttempt;
    class CountingWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        onAttempt();
      }
    }
    // The heartbeat is the server's (announced in welcome): o.heartbeat reaches LL through startServer.
    this.client = new LifelineClient(`${o.url}/`, {
      WebSocket: CountingWebSocket,
      environment: nullEnvironment,
      ...(o.bulkOutbox ? { outbox: { ...BULK_OUTBOX } } : {}),
    });
    this.client.on('error', () => {}); // annotations (e.g. transport errors while the server is down)
    this.client.on('session', () => {
      this.opened = true;
      o.onOpen();
    });
    this.client.on('close', () => {
      if (this.opened) {
        this.opened = false;
        o.onDown();
      }
    });
  }

  isOpen(): boolean {
    return this.client.ready;
  }

  /** An acknowledged send: true once the server's ack covers it within `timeoutMs`. */
  request(body: string, timeoutMs: number): Promise<boolean> {
    if (!this.client.ready) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.client.send(body).then(
        () => {
          clearTimeout(timer);
          resolve(true);
        },
        () => {
          clearTimeout(timer);
          resolve(false);
        },
      );
    });
  }

  /**
   * A plain send, buffered by the outbox while down. `send()` reports a refusal (outbox full) only
   * through its rejected promise, a microtask later; the outbox size tells synchronously whether the
   * message was taken.
   */
  send(body: string): boolean {
    const before = this.client.outboxSize;
    this.client.send(body).catch(() => {}); // later rejections (close) are counted as lost by S8
    return this.client.outboxSize > before;
  }

  close(): void {
    this.client.close();
  }
}

const ll: Contender = {
  id: 'LL',
  description:
    `Lifeline session client + server, defaults except: server origins: 'any' (required; Node clients send no Origin), per-address limits off, maxSessionsPerAddress: Infinity, identityRateLimit {perSecond: ${BULK_RATE_LIMIT.perSecond}, burst: ${BULK_RATE_LIMIT.burst}} and dedupeMaxKeysPerIdentity ${BULK_KEYS} (every load client is 127.0.0.1; defaults without an auth hook 1,000 sessions, 500 msg/s and 10,000 unconfirmed keys per address); client ws injected + nullEnvironment; ` +
    `S3 and S8 server rateLimit {perSecond: ${BULK_RATE_LIMIT.perSecond}, burst: ${BULK_RATE_LIMIT.burst}} (default 50/s per session: a load connection would be closed with 4029); ` +
    `S8 client outbox {maxMessages: ${BULK_OUTBOX.maxMessages}, maxBytes: ${BULK_OUTBOX.maxBytes / 1024 / 1024} MiB} (default 1,000 / 1 MiB). ` +
    'S1-S4 load clients speak PROTOCOL.md over raw ws: requests are msg frames without an idempotency key, the cumulative ack is the reply, deliveries are acked every 32',
  defaultPingIntervalMs: 20_000,
  defaultHeartbeat: 'server ping 20 s, timeout 10 s (PROTOCOL.md §5); client deadline interval + timeout from welcome',
  probe: load,
  startServer: startLlServer,
  wire: { path: '/', protocols: ['lifeline.v1'], connect: llConn },
  createClient: (o) => new LlLibClient(o),
};
export default ll;
