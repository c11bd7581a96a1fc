// keepAlive: one sweep for all peers of a ws-style server, with fake server, peers and interval timers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebSocketServer } from 'ws';
import { keepAlive, type IntervalTimers, type KeepAliveOptions, type PeerLike, type ServerLike } from '@lifeline/socket/server';

type PeerEvent = 'pong' | 'message' | 'close';

class FakePeer implements PeerLike {
  pings = 0;
  terminated = false;
  readonly sent: string[] = [];
  private readonly listeners: Record<PeerEvent, Array<(...args: never[]) => void>> = { pong: [], message: [], close: [] };

  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
  }
  send(data: string): void {
    this.sent.push(data);
  }
  on(event: 'pong', listener: () => void): this;
  on(event: 'message', listener: (data: unknown, isBinary?: boolean) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: PeerEvent, listener: (...args: never[]) => void): this {
    this.listeners[event].push(listener);
    return this;
  }

  pong(): void {
    for (const l of this.listeners.pong) (l as () => void)();
  }
  message(data: unknown, isBinary = false): void {
    for (const l of this.listeners.message) (l as (d: unknown, b: boolean) => void)(data, isBinary);
  }
}

class FakeServer implements ServerLike<FakePeer> {
  readonly clients = new Set<FakePeer>();
  private readonly connection: Array<(peer: FakePeer) => void> = [];
  offCalls = 0;

  on(_event: 'connection', listener: (peer: FakePeer) => void): void {
    this.connection.push(listener);
  }
  off(_event: 'connection', listener: (peer: FakePeer) => void): void {
    this.offCalls++;
    this.connection.splice(this.connection.indexOf(listener), 1);
  }
  connect(): FakePeer {
    const peer = new FakePeer();
    this.clients.add(peer);
    for (const l of this.connection) l(peer);
    return peer;
  }
}

/** Interval timers and a clock that move only when the test calls `advance()`. */
class ManualTimers implements IntervalTimers {
  private fn: (() => void) | undefined;
  interval: number | undefined;
  cleared = false;
  time = 0;
  private nextAt = 0;

  setInterval(fn: () => void, ms: number): unknown {
    assert.equal(this.fn, undefined, 'keepAlive must use one interval for all peers');
    this.fn = fn;
    this.interval = ms;
    this.nextAt = this.time + ms;
    return 1;
  }
  clearInterval(): void {
    this.cleared = true;
    this.fn = undefined;
  }
  now(): number {
    return this.time;
  }
  /** Move time forward by `ms`, running the sweep at each interval boundary on the way. */
  advance(ms: number): void {
    const end = this.time + ms;
    while (this.fn && this.interval !== undefined && this.nextAt <= end) {
      this.time = this.nextAt;
      this.nextAt += this.interval;
      this.fn();
    }
    this.time = end;
  }
}

function start(options: Omit<KeepAliveOptions, 'timers'> = {}) {
  const server = new FakeServer();
  const timers = new ManualTimers();
  const handle = keepAlive(server, { ...options, timers });
  return { server, timers, handle };
}

// Defaults: interval 20 s, timeout 10 s (half the interval), sweep every 2.5 s.
const I = 20_000;
const T = 10_000;
const TICK = 2_500;

describe('keepAlive', () => {
  it('sweeps every quarter of the shorter of interval and timeout, with one interval', () => {
    assert.equal(start().timers.interval, TICK);
    assert.equal(start({ interval: 8_000 }).timers.interval, 1_000, 'timeout defaults to half the interval');
    assert.equal(start({ interval: 8_000, timeout: 2_000 }).timers.interval, 500);
    assert.throws(() => start({ interval: 0 }), RangeError);
    assert.throws(() => start({ timeout: -1 }), RangeError);
  });

  it('pings a peer idle for the interval and terminates it within interval + timeout, not a tick sooner', () => {
    const { server, timers, handle } = start();
    const silent = server.connect();
    timers.advance(I - 1);
    assert.equal(silent.pings, 0);
    timers.advance(1);
    assert.equal(silent.pings, 1);
    timers.advance(T - TICK - 1);
    assert.equal(silent.terminated, false);
    timers.advance(TICK + 1);
    assert.equal(silent.terminated, true, 'dead by interval + timeout');
    assert.equal(silent.pings, 1, 'one ping per silence, none to a peer being terminated');
    assert.deepEqual(handle.stats(), { terminated: 1 });
  });

  it('keeps peers that answer pings, and never pings peers whose traffic proves them alive', () => {
    const { server, timers, handle } = start();
    const ponging = server.connect();
    const chatty = server.connect();
    let answered = 0;
    for (let i = 0; i < 20; i++) {
      timers.advance(TICK);
      for (; answered < ponging.pings; answered++) ponging.pong();
      chatty.message('hello');
    }
    assert.equal(ponging.terminated || chatty.terminated, false);
    assert.equal(ponging.pings, 2, 'pinged once per 20 s of silence (at 20 s and 40 s)');
    assert.equal(chatty.pings, 0);
    assert.deepEqual(handle.stats(), { terminated: 0 });
  });

  it('tracks peers that connected before keepAlive was called', () => {
    const server = new FakeServer();
    const early = server.connect();
    const timers = new ManualTimers();
    keepAlive(server, { timers });
    timers.advance(TICK + I);
    assert.equal(early.pings, 1);
    timers.advance(T);
    assert.equal(early.terminated, true);
  });

  it('answers an application ping text, as text or bytes, and counts it as life', () => {
    const { server, timers } = start({ answer: { ping: 'HeartCheck', pong: 'WebsocketLive' } });
    const peer = server.connect();
    timers.advance(I);
    peer.message('HeartCheck');
    peer.message(new TextEncoder().encode('HeartCheck'));
    peer.message(new TextEncoder().encode('HeartCheck').buffer);
    peer.message(new TextEncoder().encode('HeartCheck'), true); // binary frames are data, not pings
    peer.message('HeartCheck please');
    timers.advance(T);
    assert.deepEqual(peer.sent, ['WebsocketLive', 'WebsocketLive', 'WebsocketLive']);
    assert.equal(peer.terminated, false);
  });

  it('answers pings matching a RegExp', () => {
    const { server } = start({ answer: { ping: /^ping(:\d+)?$/g, pong: 'pong' } });
    const peer = server.connect();
    peer.message('ping');
    peer.message('ping:2');
    peer.message('pong');
    assert.deepEqual(peer.sent, ['pong', 'pong']);
  });

  it('stop() clears the interval, detaches from the server and stops answering', () => {
    const { server, timers, handle } = start({ answer: { ping: 'ping', pong: 'pong' } });
    const peer = server.connect();
    handle.stop();
    handle.stop();
    assert.equal(timers.cleared, true);
    assert.equal(server.offCalls, 1);
    peer.message('ping');
    assert.deepEqual(peer.sent, []);
  });

  it('survives peers whose ping or terminate throws', () => {
    const { server, timers, handle } = start();
    const peer = server.connect();
    const other = server.connect();
    peer.ping = () => {
      throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    };
    timers.advance(I);
    assert.equal(other.pings, 1);
    peer.terminate = () => {
      throw new Error('already gone');
    };
    timers.advance(T);
    assert.deepEqual(handle.stats(), { terminated: 2 });
  });
});

// Compile-time check: a real `ws` server satisfies the structural types (never called).
export function acceptsWsServer(wss: WebSocketServer): () => void {
  return keepAlive(wss).stop;
}
