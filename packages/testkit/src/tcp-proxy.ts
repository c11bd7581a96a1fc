// A userspace TCP proxy that injects link faults: black hole, stall, reset, refuse.

import net from 'node:net';

/** Where the proxy forwards to. */
export interface ProxyTarget {
  host: string;
  port: number;
}

/** Options of {@link startTcpProxy}. */
export interface TcpProxyOptions {
  /** The server to forward every accepted connection to. */
  target: ProxyTarget;
  /** Interface to listen on (the port is always 0, i.e. any free port). @default '127.0.0.1' */
  listenHost?: string;
}

/** The link condition the proxy currently simulates. */
export type LinkMode = 'open' | 'blackhole' | 'stall';

/**
 * A running fault proxy. Connect to `ws://127.0.0.1:${proxy.port}` instead of the real server.
 *
 * Fault model, per mode:
 * - `blackhole()`: a pulled cable whose packets are lost. Bytes in both directions are read and
 *   silently discarded; FIN/RST from either side are not passed on either. Both TCP sockets stay
 *   open and, unlike a real dead link, each side's kernel sees its bytes acknowledged (by the proxy),
 *   so only an application-level deadline notices. New connections are accepted by the proxy but
 *   never forwarded (the client's TCP connects, nothing ever answers: the app sees only a timeout).
 *   After `heal()`, connections that lived through the black hole are *half-open*: neither end knows
 *   bytes were dropped, so a WebSocket stream that lost bytes mid-frame is corrupt from then on.
 *   Connections accepted during the black hole stay dead; ends whose peer closed meanwhile are reset.
 * - `stall()`: a frozen link whose packets are held. Both directions stop being read (TCP flow
 *   control holds the bytes in kernel buffers); new connections are accepted but not connected
 *   upstream until `heal()`. Nothing is lost: `heal()` resumes and flushes everything in order.
 * - `heal()`: back to `open`, normal forwarding.
 * - `cut()`: every current connection is torn down with an RST on both sides.
 * - `refuse(true)`: new connections are accepted and immediately reset (as a closed port would);
 *   existing connections are untouched.
 */
export interface TcpProxy {
  /** The port the proxy listens on. */
  readonly port: number;
  /** The interface the proxy listens on. */
  readonly host: string;
  /** Current link mode. */
  readonly mode: LinkMode;
  /** Proxied connections with at least one live end (forwarded or not). */
  readonly connections: number;
  /** Total client connections accepted since start (including refused ones). */
  readonly accepted: number;
  /** Drop all bytes in both directions, keep the sockets open. */
  blackhole(): void;
  /** Hold all bytes in both directions, keep the sockets open. */
  stall(): void;
  /** Resume normal forwarding (flushing what a stall held). */
  heal(): void;
  /** Reset (RST) every current connection on both sides. */
  cut(): void;
  /** While on, new connections are reset as soon as they are accepted. */
  refuse(on: boolean): void;
  /** Stop listening and destroy every connection. Idempotent. */
  close(): Promise<void>;
}

/** Destroy with an RST where the platform supports it (Node >= 18.3), else a plain destroy. */
function reset(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (typeof socket.resetAndDestroy === 'function' && !socket.connecting) socket.resetAndDestroy();
  else socket.destroy();
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket | undefined;
  /** Accepted during a black hole: never forwarded, never healed. */
  dead: boolean;
  /** A teardown that happened while the link was not open, to pass on when it heals. */
  pendingTeardown: { from: 'client' | 'upstream'; kind: 'end' | 'reset' } | undefined;
}

/** Start a fault proxy listening on an ephemeral port in front of `target`. */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const { target } = options;
  const listenHost = options.listenHost ?? '127.0.0.1';
  let mode: LinkMode = 'open';
  let refusing = false;
  let closed = false;
  let accepted = 0;
  const pairs = new Set<Pair>();

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    accepted++;
    client.on('error', () => {});
    if (refusing || closed) {
      reset(client);
      return;
    }
    const pair: Pair = { client, upstream: undefined, dead: mode === 'blackhole', pendingTeardown: undefined };
    pairs.add(pair);
    client.once('close', () => forgetIfGone(pair));
    if (pair.dead) {
      // Read and discard forever: the client's handshake vanishes into the void.
      client.on('data', () => {});
      client.resume();
      return;
    }
    if (mode === 'open') connectUpstream(pair);
    // In a stall the client stays paused and unconnected until heal().
  });

  function forgetIfGone(pair: Pair): void {
    if (pair.client.destroyed && (!pair.upstream || pair.upstream.destroyed)) pairs.delete(pair);
  }

  function connectUpstream(pair: Pair): void {
    const { client } = pair;
    const upstream = net.connect({ host: target.host, port: target.port });
    pair.upstream = upstream;
    upstream.on('error', () => {});
    upstream.once('close', () => forgetIfGone(pair));
    upstream.once('connect', () => {
      forward(pair, client, upstream);
      forward(pair, upstream, client);
      if (mode === 'stall') {
        upstream.pause();
      } else {
        // Open: forward. Black hole: read, so that the data handlers can discard.
        client.resume();
        upstream.resume();
      }
    });
    wireTeardown(pair, client, 'client', upstream);
    wireTeardown(pair, upstream, 'upstream', client);
  }

  function forward(pair: Pair, from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole' || pair.dead) return; // lost on the wire
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => {
          if (mode !== 'stall' && !from.destroyed) from.resume();
        });
      }
    });
  }

  function wireTeardown(pair: Pair, side: net.Socket, name: 'client' | 'upstream', other: net.Socket): void {
    side.once('end', () => teardown(pair, name, 'end', other));
    side.once('close', (hadError: boolean) => teardown(pair, name, hadError ? 'reset' : 'end', other));
  }

  function teardown(pair: Pair, from: 'client' | 'upstream', kind: 'end' | 'reset', other: net.Socket): void {
    if (other.destroyed) return;
    if (mode !== 'open') {
      // The FIN/RST is lost (black hole) or held (stall) with everything else on the link.
      if (!pair.pendingTeardown || kind === 'reset') pair.pendingTeardown = { from, kind };
      return;
    }
    if (kind === 'reset' || other.connecting) reset(other);
    else if (!other.writableEnded) other.end();
  }

  function applyPending(pair: Pair, after: LinkMode): void {
    const pending = pair.pendingTeardown;
    if (!pending) return;
    pair.pendingTeardown = undefined;
    const other = pending.from === 'client' ? pair.upstream : pair.client;
    if (!other || other.destroyed) return;
    // After a black hole the lost FIN means the survivor's next packet meets an RST: reset it.
    // After a stall the held FIN/RST simply arrives.
    if (after === 'blackhole' || pending.kind === 'reset') reset(other);
    else if (!other.writableEnded) other.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: listenHost, port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('tcp proxy: no port bound');
  const port = address.port;

  let closing: Promise<void> | undefined;

  return {
    port,
    host: listenHost,
    get mode() {
      return mode;
    },
    get connections() {
      return pairs.size;
    },
    get accepted() {
      return accepted;
    },
    blackhole() {
      const wasStalled = mode === 'stall';
      mode = 'blackhole';
      // Drain (and so discard) whatever a stall was holding, and keep reading to discard the rest.
      for (const pair of pairs) {
        if (wasStalled && !pair.upstream && !pair.dead) {
          pair.dead = true;
          pair.client.on('data', () => {});
        }
        pair.client.resume();
        pair.upstream?.resume();
      }
    },
    stall() {
      mode = 'stall';
      for (const pair of pairs) {
        if (pair.dead) continue;
        pair.client.pause();
        pair.upstream?.pause();
      }
    },
    heal() {
      const was = mode;
      if (was === 'open') return;
      mode = 'open';
      for (const pair of pairs) {
        if (pair.dead) continue;
        if (!pair.upstream) {
          connectUpstream(pair);
          continue;
        }
        applyPending(pair, was);
        const { client, upstream } = pair;
        if (!upstream.connecting) {
          if (!upstream.writableNeedDrain) client.resume();
          if (!client.writableNeedDrain) upstream.resume();
        }
      }
    },
    cut() {
      for (const pair of [...pairs]) {
        if (pair.upstream) reset(pair.upstream);
        reset(pair.client);
        pairs.delete(pair);
      }
    },
    refuse(on: boolean) {
      refusing = on;
    },
    close() {
      if (closing) return closing;
      closed = true;
      closing = new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const pair of [...pairs]) {
          pair.upstream?.destroy();
          pair.client.destroy();
          pairs.delete(pair);
        }
      });
      return closing;
    },
  };
}
