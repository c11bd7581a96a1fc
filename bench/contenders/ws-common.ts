// Pieces shared by the contenders built on a plain `ws` server (R, RWS, LS): server, wire, payloads.

import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import type { ServerApp, ServerConfig, ServerHandle, Wire, WireConn } from './types.js';

/** First byte of a request ('q'), which a plain server echoes, and of a one-way message ('m'). */
export const REQ = 0x71;
export const MSG = 0x6d;
/** First byte of a fan-out delivery ('b'). */
export const BCAST = 0x62;

const TEXT = { binary: false } as const;
const BINARY = { binary: true } as const;

function asBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** A heartbeat installed on a server; returns its disposer. */
export type ServerHeartbeat = (wss: WebSocketServer) => () => void;

/**
 * The `ws` README "detect and close broken connections" sweep: every `intervalMs`, terminate the
 * sockets that did not answer the previous ping, then ping the rest. Worst-case detection 2 × interval.
 */
export function readmeSweep(intervalMs: number): ServerHeartbeat {
  return (wss) => {
    const alive = new WeakSet<WebSocket>();
    function heartbeat(this: WebSocket): void {
      alive.add(this);
    }
    wss.on('connection', (ws: WebSocket) => {
      alive.add(ws);
      ws.on('pong', heartbeat);
    });
    const timer = setInterval(() => {
      for (const ws of wss.clients) {
        if (!alive.has(ws)) {
          ws.terminate();
          continue;
        }
        alive.delete(ws);
        ws.ping();
      }
    }, intervalMs);
    return () => clearInterval(timer);
  };
}

/**
 * A minimal `ws` server: echoes requests, hands one-way messages to the app, reports freed
 * connections, broadcasts by sending one pre-encoded buffer per socket.
 */
export async function startPlainServer(config: ServerConfig, app: ServerApp, heartbeat: ServerHeartbeat | null): Promise<ServerHandle> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: config.port,
    backlog: config.backlog,
    perMessageDeflate: false,
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const stopHeartbeat = heartbeat ? heartbeat(wss) : () => {};
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (raw: RawData, isBinary: boolean) => {
      const data = asBuffer(raw);
      const first = data[0];
      if (first === REQ) ws.send(data, isBinary ? BINARY : TEXT);
      else if (first === MSG) app.onMessage(data.toString());
    });
    ws.on('close', () => app.onFreed());
    ws.on('error', () => {});
  });
  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  return {
    port,
    connections: () => wss.clients.size,
    broadcast(payload) {
      const buf = Buffer.from(payload);
      let n = 0;
      for (const ws of wss.clients) {
        ws.send(buf, TEXT);
        n++;
      }
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        stopHeartbeat();
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

const plainConn: WireConn = {
  open: () => true,
  frame(data, _send, out) {
    const first = data[0];
    if (first === REQ) {
      out.id = Number.parseInt(data.toString('latin1', 1, 11), 10);
      out.cumulative = false;
      return 'reply';
    }
    return first === BCAST ? 'delivery' : 'other';
  },
  request: (id, body) => requestFrame(id, body),
};

/** The wire of a plain `ws` server: the request is the 64-byte payload itself, with the id in bytes 1-10. */
export const plainWire: Wire = { path: '/', connect: () => plainConn };

/** A 64-byte request: 'q', a 10-digit id, then the rest of `body`. */
export function requestFrame(id: number, body: string): string {
  return `q${String(id).padStart(10, '0')}${body.slice(11)}`;
}

/** Parse the id of an echoed request frame; NaN if it is not one. */
export function replyId(data: Buffer | string): number {
  if (typeof data === 'string') return data.charCodeAt(0) === REQ ? Number.parseInt(data.slice(1, 11), 10) : Number.NaN;
  return data[0] === REQ ? Number.parseInt(data.toString('latin1', 1, 11), 10) : Number.NaN;
}

/** A padded payload of `len` bytes starting with `prefix`. */
export function payload(prefix: string, len: number): string {
  return prefix.length >= len ? prefix.slice(0, len) : prefix + 'x'.repeat(len - prefix.length);
}

/** Outstanding echo requests of one client, matched by the id in the echoed frame. */
export class EchoRequests {
  private nextId = 1;
  private readonly pending = new Map<number, (ok: boolean) => void>();

  request(send: (frame: string) => void, body: string, timeoutMs: number): Promise<boolean> {
    const id = this.nextId++;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(false);
      }, timeoutMs);
      this.pending.set(id, (ok) => {
        clearTimeout(timer);
        resolve(ok);
      });
      try {
        send(requestFrame(id, body));
      } catch {
        this.settle(id, false);
      }
    });
  }

  /** Feed every incoming text message here. */
  onMessage(data: Buffer | string): void {
    const id = replyId(data);
    if (!Number.isNaN(id)) this.settle(id, true);
  }

  failAll(): void {
    for (const id of [...this.pending.keys()]) this.settle(id, false);
  }

  private settle(id: number, ok: boolean): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p(ok);
  }
}
