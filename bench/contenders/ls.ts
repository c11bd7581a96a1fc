// LS: LifelineSocket (packages/socket) against a plain `ws` server with our keepAlive() sweep.
//
// Defaults on both sides, except the two lines any LS user writes: the `ws` constructor (Node has
// none built in) and nullEnvironment (no browser signals), plus keepAlive's `answer` so the
// client's default application ping ('ping') gets its pong ('pong'). Loaded from the optional
// bundles, so the harness keeps working while the package is being written.

import WebSocket from 'ws';
import { BULK_OUTBOX, type ClientOptions, type Contender, type HeartbeatSetting, type LibClient, type Probe } from './types.js';
import { EchoRequests, plainWire, startPlainServer, type ServerHeartbeat } from './ws-common.js';
import { loadOptional } from './optional.js';

/** The slice of LifelineSocket the harness uses (checked at load time, not trusted). */
interface LsSocket {
  readonly readyState: number;
  addEventListener(type: 'open' | 'close', listener: () => void): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  addEventListener(type: 'reconnecting', listener: () => void): void;
  send(data: string): void;
  close(): void;
}
type LsCtor = new (url: string, protocols: string[], options: Record<string, unknown>) => LsSocket;
type KeepAliveFn = (wss: unknown, options: Record<string, unknown>) => { stop(): void };

interface Loaded {
  LifelineSocket: LsCtor;
  keepAlive: KeepAliveFn;
  nullEnvironment: unknown;
}
let loaded: Loaded | null = null;

/** LS's keepAlive default interval (packages/socket/src/server/keepalive.ts). */
const KEEPALIVE_DEFAULT_MS = 20_000;

async function load(): Promise<Probe> {
  const sock = await loadOptional('socket');
  const server = await loadOptional('socket-server');
  if (!sock || typeof sock.LifelineSocket !== 'function') return { available: false, reason: 'LifelineSocket not exported by @lifeline/socket' };
  if (!server || typeof server.keepAlive !== 'function') return { available: false, reason: 'keepAlive not exported by @lifeline/socket/server' };
  loaded = { LifelineSocket: sock.LifelineSocket as LsCtor, keepAlive: server.keepAlive as KeepAliveFn, nullEnvironment: sock.nullEnvironment };
  return { available: true };
}

function need(): Loaded {
  if (!loaded) throw new Error('LS used before probe()');
  return loaded;
}

function keepAliveHeartbeat(hb: HeartbeatSetting): ServerHeartbeat {
  return (wss) => {
    const interval = hb === 'default' ? undefined : hb.intervalMs;
    const handle = need().keepAlive(wss, { ...(interval === undefined ? {} : { interval }), answer: { ping: 'ping', pong: 'pong' } });
    return () => handle.stop();
  };
}

class LsClient implements LibClient {
  private readonly socket: LsSocket;
  private opened = false;
  private readonly requests = new EchoRequests();

  constructor(o: ClientOptions) {
    const { LifelineSocket, nullEnvironment } = need();
    const onAttempt = o.onAttempt;
    class CountingWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        onAttempt();
      }
    }
    const hb = o.heartbeat;
    this.socket = new LifelineSocket(`${o.url}/`, [], {
      WebSocket: CountingWebSocket,
      environment: nullEnvironment,
      ...(hb === 'default' ? {} : { heartbeat: { interval: hb.intervalMs, timeout: hb.timeoutMs } }),
      // S8 only: hold the whole outage's queue (the default 1,000 messages / 1 MiB would refuse most).
      ...(o.bulkOutbox ? { outbox: { ...BULK_OUTBOX } } : {}),
    });
    this.socket.addEventListener('open', () => {
      this.opened = true;
      o.onOpen();
    });
    this.socket.addEventListener('close', () => {
      this.requests.failAll();
      if (this.opened) {
        this.opened = false;
        o.onDown();
      }
    });
    this.socket.addEventListener('message', (e) => {
      if (typeof e.data === 'string' || Buffer.isBuffer(e.data)) this.requests.onMessage(e.data);
    });
  }

  isOpen(): boolean {
    return this.socket.readyState === 1;
  }

  request(body: string, timeoutMs: number): Promise<boolean> {
    if (!this.isOpen()) return Promise.resolve(false);
    return this.requests.request((f) => this.socket.send(f), body, timeoutMs);
  }

  send(body: string): boolean {
    try {
      this.socket.send(body);
      return true;
    } catch {
      return false; // outbox full ('throw' policy): refused loudly, reported as "refused", not "lost"
    }
  }

  close(): void {
    this.socket.close();
  }
}

const ls: Contender = {
  id: 'LS',
  description:
    `LifelineSocket (defaults, ws injected, nullEnvironment) on a ws server with keepAlive (${KEEPALIVE_DEFAULT_MS / 1000} s, answers 'ping'); ` +
    `S8 outbox {maxMessages: ${BULK_OUTBOX.maxMessages}, maxBytes: ${BULK_OUTBOX.maxBytes / 1024 / 1024} MiB} (default 1,000 / 1 MiB)`,
  defaultPingIntervalMs: KEEPALIVE_DEFAULT_MS,
  defaultHeartbeat: "client 'ping' after 20 s silence, dead 10 s later; server sweep 20 s",
  probe: load,
  startServer: (config, app) => startPlainServer(config, app, keepAliveHeartbeat(config.heartbeat)),
  wire: plainWire,
  createClient: (o) => new LsClient(o),
};
export default ls;
