// Load child: raw `ws` clients speaking a contender's wire format (S1-S4): connect at a paced
// concurrency, count heartbeats and deliveries, and run closed-loop request/reply at fixed in-flight.

import WebSocket from 'ws';
import { contender } from '../contenders/index.js';
import type { WireConn } from '../contenders/types.js';
import { payload } from '../contenders/ws-common.js';
import { Histogram } from './hist.js';
import type { Handler } from './ipc.js';
import { cpuUs, nowMs, sleep, waitUntil } from './time.js';

interface Conn {
  ws: WebSocket;
  wire: WireConn;
  ready: boolean;
  /** Outstanding request ids in send order. */
  outstanding: number[];
  send: (d: string) => void;
}

export interface ConnectArgs {
  id: string;
  port: number;
  count: number;
  concurrency: number;
  timeoutMs: number;
  /** Passed to the contender's `wire.connect` (S4's channel variant). */
  variant?: string;
}
export interface LoadRead {
  count: number;
  hist: Float64Array;
  cpuUs: number;
  wallMs: number;
  beats: number;
  deliveries: number;
}

export function loadHandlers(): Record<string, Handler> {
  const conns: Conn[] = [];
  let beats = 0;
  let deliveries = 0;
  let failed = 0;
  const hist = new Histogram();
  let completed = 0;
  let markCpu = cpuUs();
  let markMs = nowMs();
  const sentAt = new Map<number, number>();
  let nextId = 1;
  let running = false;
  let body = payload('q', 64);
  const out = { id: 0, cumulative: false };

  const sendRequest = (c: Conn): void => {
    const id = nextId++;
    sentAt.set(id, nowMs());
    c.outstanding.push(id);
    c.send(c.wire.request(id, body));
  };
  const complete = (c: Conn, id: number): void => {
    const t = sentAt.get(id);
    if (t === undefined) return;
    sentAt.delete(id);
    const i = c.outstanding.indexOf(id);
    if (i >= 0) c.outstanding.splice(i, 1);
    hist.record((nowMs() - t) * 1000);
    completed++;
    if (running) sendRequest(c);
  };

  const open = (id: string, port: number, variant?: string): Promise<boolean> => {
    const { wire } = contender(id);
    return new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}${wire.path}`, wire.protocols ?? [], { perMessageDeflate: false, handshakeTimeout: 10_000 });
      const c: Conn = { ws, wire: wire.connect(variant), ready: false, outstanding: [], send: (d) => ws.send(d) };
      let settled = false;
      const settle = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        if (ok) conns.push(c);
        else failed++;
        resolve(ok);
      };
      ws.on('open', () => {
        if (c.wire.open(c.send)) {
          c.ready = true;
          settle(true);
        }
      });
      ws.on('ping', () => beats++);
      ws.on('message', (raw: WebSocket.RawData) => {
        const data = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
        const kind = c.wire.frame(data, c.send, out);
        if (kind === 'reply') {
          if (out.cumulative) {
            while (c.outstanding.length > 0 && (c.outstanding[0] ?? Infinity) <= out.id) complete(c, c.outstanding[0] ?? 0);
          } else complete(c, out.id);
        } else if (kind === 'delivery') deliveries++;
        else if (kind === 'beat') beats++;
        else if (kind === 'ready' && !c.ready) {
          c.ready = true;
          settle(true);
        }
      });
      ws.on('error', () => settle(false));
      ws.on('close', () => {
        c.ready = false;
        settle(false);
      });
    });
  };

  return {
    async connect(args) {
      const { id, port, count, concurrency, timeoutMs, variant } = args as ConnectArgs;
      const t0 = nowMs();
      const before = conns.length;
      let started = 0;
      const end = t0 + timeoutMs;
      const worker = async (): Promise<void> => {
        while (started < count && nowMs() < end) {
          started++;
          await open(id, port, variant);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
      return { connected: conns.length - before, failed, ms: nowMs() - t0 };
    },
    connected: () => conns.filter((c) => c.ready && c.ws.readyState === WebSocket.OPEN).length,
    mark() {
      hist.reset();
      completed = 0;
      beats = 0;
      deliveries = 0;
      markCpu = cpuUs();
      markMs = nowMs();
      return true;
    },
    read(): LoadRead {
      return { count: completed, hist: hist.counts.slice(), cpuUs: cpuUs() - markCpu, wallMs: nowMs() - markMs, beats, deliveries };
    },
    rpcStart(args) {
      const { conns: nConns, inflight, bodyBytes } = args as { conns: number; inflight: number; bodyBytes: number };
      body = payload('q', bodyBytes);
      running = true;
      const use = conns.filter((c) => c.ready).slice(0, nConns);
      for (const c of use) for (let i = 0; i < inflight; i++) sendRequest(c);
      return use.length;
    },
    async rpcStop() {
      running = false;
      await waitUntil(() => sentAt.size === 0, 3_000, 10);
      const lost = sentAt.size;
      sentAt.clear();
      for (const c of conns) c.outstanding.length = 0;
      return lost;
    },
    async closeAll() {
      for (const c of conns.splice(0)) c.ws.terminate();
      await sleep(10);
      return true;
    },
  };
}
