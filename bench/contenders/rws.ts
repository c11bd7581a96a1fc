// RWS: reconnecting-websocket 4 (defaults, `ws` injected) against a `ws` server with the README sweep.
//
// Server-side scenarios (S1-S4) drive the server with raw clients, so RWS's server is R's server:
// its rows there are an A/A control that shows the harness's noise. RWS has no client heartbeat.

import WebSocket from 'ws';
import type { ClientOptions, Contender, LibClient } from './types.js';
import { EchoRequests, plainWire, readmeSweep, startPlainServer } from './ws-common.js';
import { sweepInterval } from './r.js';

interface RwsEventTarget {
  readonly readyState: number;
  addEventListener(type: 'open' | 'close', listener: () => void): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  send(data: string): void;
  close(): void;
}
type RwsCtor = new (url: string, protocols: string[], options: { WebSocket: unknown }) => RwsEventTarget;

let loaded: RwsCtor | null = null;

/** Loaded in probe(). The package is CommonJS (`module.exports = Class`) with an ES-style default in its types. */
async function load(): Promise<{ available: true }> {
  const mod: unknown = await import('reconnecting-websocket');
  const candidates: unknown[] = [mod, (mod as { default?: unknown }).default, ((mod as { default?: { default?: unknown } }).default ?? {}).default];
  const found = candidates.find((c) => typeof c === 'function');
  if (typeof found !== 'function') throw new TypeError('reconnecting-websocket: constructor not found');
  loaded = found as RwsCtor;
  return { available: true };
}

function rwsClass(): RwsCtor {
  if (!loaded) throw new Error('RWS used before probe()');
  return loaded;
}

class RwsClient implements LibClient {
  private readonly rws: RwsEventTarget;
  private opened = false;
  private readonly requests = new EchoRequests();

  constructor(o: ClientOptions) {
    const onAttempt = o.onAttempt;
    // Count attempts by wrapping the injected constructor; everything else stays at RWS defaults.
    class CountingWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        onAttempt();
      }
    }
    const Rws = rwsClass();
    this.rws = new Rws(`${o.url}/`, [], { WebSocket: CountingWebSocket });
    this.rws.addEventListener('open', () => {
      this.opened = true;
      o.onOpen();
    });
    this.rws.addEventListener('close', () => {
      this.requests.failAll();
      if (this.opened) {
        this.opened = false;
        o.onDown();
      }
    });
    this.rws.addEventListener('message', (e) => {
      if (typeof e.data === 'string' || Buffer.isBuffer(e.data)) this.requests.onMessage(e.data);
    });
  }

  isOpen(): boolean {
    return this.rws.readyState === 1;
  }

  request(body: string, timeoutMs: number): Promise<boolean> {
    if (!this.isOpen()) return Promise.resolve(false);
    return this.requests.request((f) => this.rws.send(f), body, timeoutMs);
  }

  send(body: string): boolean {
    this.rws.send(body);
    return true;
  }

  close(): void {
    this.rws.close();
  }
}

const rws: Contender = {
  id: 'RWS',
  description: 'reconnecting-websocket 4 (defaults, ws injected) on a ws server with the README sweep (30 s)',
  defaultPingIntervalMs: 30_000,
  defaultHeartbeat: 'server sweep 30 s; client: none',
  probe: load,
  startServer: (config, app) => startPlainServer(config, app, readmeSweep(sweepInterval(config.heartbeat))),
  wire: plainWire,
  createClient: (o) => new RwsClient(o),
};
export default rws;
