// A userspace TCP proxy that can black-hole traffic: nothing is forwarded and nothing is closed
// while the hole is open; at restoration held data flows, held closes propagate as resets, and
// connections accepted during the hole are connected upstream (as if a SYN retry got through).
//
// Limits, stated in the report: the proxy's kernel still completes TCP handshakes during the hole,
// so a client sees "TCP connected, WebSocket upgrade pending" instead of unanswered SYNs (its own
// handshake/connect timeout applies either way); TCP retransmission backoff after restoration is
// not modelled (held bytes are delivered at once).

import net from 'node:net';
import type { Handler } from './ipc.js';
import { nowMs } from './time.js';

const MAX_HELD_BYTES = 4 * 1024 * 1024;

interface Pair {
  client: net.Socket;
  upstream: net.Socket | null;
  heldUp: Buffer[];
  heldDown: Buffer[];
  clientGone: boolean;
  upstreamGone: boolean;
  held: number;
}

class BlackHoleProxy {
  private blackhole = false;
  private readonly pairs = new Set<Pair>();
  readonly server: net.Server;

  constructor(private readonly targetPort: number) {
    this.server = net.createServer({ allowHalfOpen: false }, (client) => this.accept(client));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
        const a = this.server.address();
        resolve(typeof a === 'object' && a !== null ? a.port : 0);
      });
    });
  }

  private accept(client: net.Socket): void {
    client.setNoDelay(true);
    const pair: Pair = { client, upstream: null, heldUp: [], heldDown: [], clientGone: false, upstreamGone: false, held: 0 };
    this.pairs.add(pair);
    client.on('data', (d: Buffer) => {
      if (this.blackhole || !pair.upstream || pair.upstream.connecting) this.hold(pair, pair.heldUp, d);
      else pair.upstream.write(d);
    });
    client.on('error', () => {});
    client.on('close', () => {
      pair.clientGone = true;
      if (!this.blackhole) this.finish(pair);
    });
    if (!this.blackhole) this.connectUpstream(pair);
  }

  private hold(pair: Pair, list: Buffer[], d: Buffer): void {
    if (pair.held + d.length > MAX_HELD_BYTES) return; // a black hole may drop: bounded memory
    pair.held += d.length;
    list.push(d);
  }

  private connectUpstream(pair: Pair): void {
    const up = net.connect({ host: '127.0.0.1', port: this.targetPort });
    up.setNoDelay(true);
    pair.upstream = up;
    up.on('connect', () => {
      if (!this.blackhole) this.flush(pair);
    });
    up.on('data', (d: Buffer) => {
      if (this.blackhole) this.hold(pair, pair.heldDown, d);
      else pair.client.write(d);
    });
    up.on('error', () => {});
    up.on('close', () => {
      pair.upstreamGone = true;
      if (!this.blackhole) this.finish(pair);
    });
  }

  private flush(pair: Pair): void {
    const up = pair.upstream;
    if (up && !up.connecting && !pair.upstreamGone) for (const d of pair.heldUp.splice(0)) up.write(d);
    if (!pair.clientGone) for (const d of pair.heldDown.splice(0)) pair.client.write(d);
    pair.held = 0;
  }

  /** Propagate a close: the survivor is reset, as a peer that lost its state would answer. */
  private finish(pair: Pair): void {
    if (!this.pairs.has(pair)) return;
    this.pairs.delete(pair);
    if (pair.upstreamGone && !pair.clientGone) {
      for (const d of pair.heldDown.splice(0)) pair.client.write(d);
      pair.client.end();
      setTimeout(() => pair.client.destroy(), 100).unref();
    }
    if (pair.clientGone && pair.upstream && !pair.upstreamGone) pair.upstream.destroy();
  }

  setBlackhole(on: boolean): void {
    if (this.blackhole === on) return;
    this.blackhole = on;
    if (on) return;
    for (const pair of [...this.pairs]) {
      if (pair.clientGone || pair.upstreamGone) this.finish(pair);
      else if (!pair.upstream) this.connectUpstream(pair);
      else this.flush(pair);
    }
  }

  close(): void {
    this.server.close();
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream?.destroy();
    }
    this.pairs.clear();
  }
}

export function proxyHandlers(): Record<string, Handler> {
  const proxies = new Map<string, BlackHoleProxy>();
  return {
    async start(args) {
      const { key, targetPort } = args as { key: string; targetPort: number };
      const p = new BlackHoleProxy(targetPort);
      proxies.set(key, p);
      return p.listen();
    },
    blackhole(args) {
      const { on } = args as { on: boolean };
      for (const p of proxies.values()) p.setBlackhole(on);
      return nowMs();
    },
    stop() {
      for (const p of proxies.values()) p.close();
      proxies.clear();
      return true;
    },
  };
}
