// Fault injection for the demo: drop every WebSocket connection, or make the server go silent.
//
// Lifeline's server owns its sockets, so the demo watches the raw TCP sockets of upgrade requests on
// its own HTTP server. Destroying one is a dropped link (the session waits for resume); pausing its
// reads and corking its writes is a black hole: both sides see silence until a deadline fires.

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** The faults a person (or a test) can inject. */
export interface Faults {
  /** Destroy every WebSocket connection now, without a close frame; returns how many. */
  dropConnections(): number;
  /** Neither read from nor write to any current connection for `ms`; returns how many. */
  silence(ms: number): number;
  /** Undo every silence still in effect. */
  stop(): void;
}

/** Track the sockets of upgrades to `path` on `http`. Call before Lifeline attaches its own listener. */
export function trackConnections(http: Server, path: string): Faults {
  const sockets = new Set<Duplex>();
  const silenced = new Map<Duplex, ReturnType<typeof setTimeout>>();

  http.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) return;
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      const timer = silenced.get(socket);
      if (timer) clearTimeout(timer);
      silenced.delete(socket);
    });
  });

  const unsilence = (socket: Duplex) => {
    const timer = silenced.get(socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    silenced.delete(socket);
    if (socket.destroyed) return;
    socket.uncork();
    socket.resume();
  };

  return {
    dropConnections() {
      const count = sockets.size;
      for (const socket of [...sockets]) socket.destroy();
      return count;
    },
    silence(ms) {
      let count = 0;
      for (const socket of sockets) {
        if (silenced.has(socket) || socket.destroyed) continue;
        socket.pause(); // frames from the client pile up in the kernel, unread
        socket.cork(); // frames to the client (pings, messages) wait in memory
        silenced.set(socket, setTimeout(() => unsilence(socket), ms));
        count++;
      }
      return count;
    },
    stop() {
      for (const socket of [...silenced.keys()]) unsilence(socket);
    },
  };
}
