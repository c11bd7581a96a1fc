// SIO: Socket.IO 4 server and socket.io-client, defaults, WebSocket-only transport.
//
// Raw load clients speak engine.io v4 / socket.io v5 directly: receive `0{...}`, send `40`, answer
// `2` with `3`, send `42<id>["q",body]` and read `43<id>[...]` acks; broadcasts arrive as `42["b",...]`.

import { createServer } from 'node:http';
import type { Socket } from 'socket.io-client';
import type { ClientOptions, Contender, LibClient, ServerApp, ServerConfig, ServerHandle, WireConn } from './types.js';

// Loaded in probe(), so children of other contenders do not pay for importing Socket.IO.
let lib: { Server: typeof import('socket.io').Server; io: typeof import('socket.io-client').io } | null = null;
async function load(): Promise<{ available: true }> {
  const [server, client] = await Promise.all([import('socket.io'), import('socket.io-client')]);
  lib = { Server: server.Server, io: client.io };
  return { available: true };
}
function need(): NonNullable<typeof lib> {
  if (!lib) throw new Error('SIO used before probe()');
  return lib;
}

async function startSioServer(config: ServerConfig, app: ServerApp): Promise<ServerHandle> {
  const http = createServer();
  const hb = config.heartbeat;
  const io = new (need().Server)(http, {
    transports: ['websocket'],
    ...(hb === 'default' ? {} : { pingInterval: hb.intervalMs, pingTimeout: hb.timeoutMs }),
  });
  io.on('connection', (socket) => {
    socket.on('q', (body: unknown, ack: unknown) => {
      if (typeof ack === 'function') (ack as (b: unknown) => void)(body);
    });
    socket.on('m', (body: unknown) => app.onMessage(String(body)));
    socket.on('disconnect', () => app.onFreed());
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen({ host: '127.0.0.1', port: config.port, ...(config.backlog === undefined ? {} : { backlog: config.backlog }) }, resolve);
  });
  const address = http.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  return {
    port,
    connections: () => io.engine.clientsCount,
    broadcast(payload) {
      io.emit('b', payload);
      return io.engine.clientsCount;
    },
    close: () =>
      new Promise<void>((resolve) => {
        io.disconnectSockets(true);
        void io.close(() => resolve());
      }),
  };
}

const C0 = 0x30; // '0' engine.io open
const C2 = 0x32; // '2' ping
const C4 = 0x34; // '4' message

/** Raw engine.io/socket.io client state for one connection. */
function sioConn(): WireConn {
  return {
    open: () => false,
    frame(data, send, out) {
      const a = data[0];
      if (a === C2 && data.length === 1) {
        send('3');
        return 'beat';
      }
      if (a === C4) {
        const b = data[1];
        if (b === C2) return 'delivery'; // 42["b",...]
        if (b === 0x33) {
          // 43<id>[...]
          let id = 0;
          for (let i = 2; i < data.length; i++) {
            const c = data[i] ?? 0;
            if (c < 0x30 || c > 0x39) break;
            id = id * 10 + (c - 0x30);
          }
          out.id = id;
          out.cumulative = false;
          return 'reply';
        }
        if (b === 0x30) return 'ready'; // 40{"sid":...}
        return 'other';
      }
      if (a === C0) {
        send('40');
        return 'other';
      }
      return 'other';
    },
    request: (id, body) => `42${id}["q",${JSON.stringify(body)}]`,
  };
}

class SioClient implements LibClient {
  private readonly socket: Socket;

  constructor(o: ClientOptions) {
    // forceNew: one Manager (one connection) per client instead of multiplexing them all.
    this.socket = need().io(o.url, { transports: ['websocket'], forceNew: true });
    o.onAttempt();
    this.socket.io.on('reconnect_attempt', () => o.onAttempt());
    this.socket.on('connect', () => o.onOpen());
    this.socket.on('disconnect', () => o.onDown());
  }

  isOpen(): boolean {
    return this.socket.connected;
  }

  request(body: string, timeoutMs: number): Promise<boolean> {
    if (!this.socket.connected) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      this.socket.timeout(timeoutMs).emit('q', body, (err: unknown) => resolve(!err));
    });
  }

  send(body: string): boolean {
    this.socket.emit('m', body);
    return true;
  }

  close(): void {
    this.socket.disconnect();
  }
}

const sio: Contender = {
  id: 'SIO',
  description: 'Socket.IO 4 server + socket.io-client, defaults, transports: ["websocket"] on both sides',
  defaultPingIntervalMs: 25_000,
  defaultHeartbeat: 'pingInterval 25 s + pingTimeout 20 s (both sides, ≤ 45 s)',
  probe: load,
  startServer: startSioServer,
  wire: { path: '/socket.io/?EIO=4&transport=websocket', connect: sioConn },
  createClient: (o) => new SioClient(o),
};
export default sio;
