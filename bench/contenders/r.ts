// R, the reference: a raw `ws` server and a raw `ws` client doing the minimum each scenario needs.
//
// Server: `ws` with the README ping/terminate sweep (30 s). Client (client-side scenarios only): the
// README client heartbeat (terminate 31 s after the last ping), a naive fixed 1 s reconnect delay
// with a 5 s handshake timeout, and a plain array as outbox. Deliberately unclever.

import WebSocket from 'ws';
import type { ClientOptions, Contender, HeartbeatSetting, LibClient } from './types.js';
import { EchoRequests, plainWire, readmeSweep, startPlainServer } from './ws-common.js';

/** The `ws` README sweep interval. */
export const README_SWEEP_MS = 30_000;
/** The README client timer: one interval plus a 1 s allowance for latency. */
const README_CLIENT_GRACE_MS = 1_000;
const RETRY_MS = 1_000;
const HANDSHAKE_TIMEOUT_MS = 5_000;

export function sweepInterval(hb: HeartbeatSetting): number {
  return hb === 'default' ? README_SWEEP_MS : hb.intervalMs;
}

class RawClient implements LibClient {
  private ws: WebSocket | null = null;
  private opened = false;
  private closed = false;
  private deadTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly outbox: string[] = [];
  private readonly requests = new EchoRequests();
  private readonly deadMs: number;

  constructor(private readonly o: ClientOptions) {
    this.deadMs = o.heartbeat === 'default' ? README_SWEEP_MS + README_CLIENT_GRACE_MS : o.heartbeat.intervalMs + o.heartbeat.timeoutMs;
    this.connect();
  }

  private armDeadline(ws: WebSocket): void {
    clearTimeout(this.deadTimer);
    this.deadTimer = setTimeout(() => ws.terminate(), this.deadMs);
  }

  private connect(): void {
    this.o.onAttempt();
    const ws = new WebSocket(`${this.o.url}/`, { perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    this.ws = ws;
    ws.on('open', () => {
      this.opened = true;
      this.armDeadline(ws);
      for (const m of this.outbox.splice(0)) ws.send(m);
      this.o.onOpen();
    });
    ws.on('ping', () => this.armDeadline(ws));
    ws.on('message', (data: WebSocket.RawData) => {
      if (Buffer.isBuffer(data)) this.requests.onMessage(data);
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearTimeout(this.deadTimer);
      this.requests.failAll();
      if (this.opened) {
        this.opened = false;
        this.o.onDown();
      }
      if (!this.closed) this.retryTimer = setTimeout(() => this.connect(), RETRY_MS);
    });
  }

  isOpen(): boolean {
    return this.opened && this.ws?.readyState === WebSocket.OPEN;
  }

  request(body: string, timeoutMs: number): Promise<boolean> {
    const ws = this.ws;
    if (!ws || !this.isOpen()) return Promise.resolve(false);
    return this.requests.request((f) => ws.send(f), body, timeoutMs);
  }

  send(body: string): boolean {
    if (this.ws && this.isOpen()) this.ws.send(body);
    else this.outbox.push(body);
    return true;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.deadTimer);
    this.ws?.terminate();
  }
}

const r: Contender = {
  id: 'R',
  description: 'raw ws server + README ping sweep (30 s); raw ws client, README client timer, fixed 1 s retry, array outbox',
  defaultPingIntervalMs: README_SWEEP_MS,
  defaultHeartbeat: 'server sweep 30 s (dead after 30-60 s); client 31 s',
  probe: () => Promise.resolve({ available: true }),
  startServer: (config, app) => startPlainServer(config, app, readmeSweep(sweepInterval(config.heartbeat))),
  wire: plainWire,
  createClient: (o) => new RawClient(o),
};
export default r;
