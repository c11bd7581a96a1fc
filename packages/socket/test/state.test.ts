// State machine: every transition, close() and reconnect() from each state, environment signals, the WebSocket surface.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LifelineSocket, type SocketState } from '@lifeline/socket';
import { FakeClock, FakeTransport } from '@lifeline/testkit';
import { FakeEnvironment, setup } from './harness.js';

/** Drive a fresh socket into `state`. */
function inState(state: SocketState, options: Parameters<typeof setup>[0] = {}) {
  const h = setup(options);
  if (state === 'open') h.transport.last.open();
  if (state === 'reconnecting') h.transport.last.serverClose(1006);
  if (state === 'offline') h.environment.emit('offline');
  if (state === 'closed') {
    h.socket.close();
    h.clock.advance(0); // the close of a connection that never opened comes on a later task
  }
  assert.equal(h.socket.state, state);
  h.take();
  return h;
}

describe('transitions', () => {
  it('connecting → open → reconnecting → open, with reasons', () => {
    const { socket, transport, clock, take } = setup();
    assert.equal(socket.state, 'connecting');
    transport.last.open();
    transport.last.serverClose(1011, 'oops');
    clock.advance(250);
    transport.last.open();
    assert.deepEqual(take(), [
      'state:connecting>open:opened',
      'open',
      'state:open>reconnecting:closed:1011',
      'close:1011:oops',
      'reconnecting:1:250:closed:1011',
      'state:reconnecting>open:opened',
      'open',
    ]);
  });

  it('maps states to readyState, with the constants on the class and the instance', () => {
    assert.deepEqual(
      [LifelineSocket.CONNECTING, LifelineSocket.OPEN, LifelineSocket.CLOSING, LifelineSocket.CLOSED],
      [0, 1, 2, 3],
    );
    const expected: Record<SocketState, number> = { connecting: 0, open: 1, reconnecting: 0, offline: 0, closed: 3 };
    for (const [state, readyState] of Object.entries(expected)) {
      const { socket } = inState(state as SocketState);
      assert.equal(socket.readyState, readyState, state);
      assert.equal(socket.OPEN, 1);
    }
  });

  it('is the same object across reconnects, with open and close for every link', () => {
    const { socket, transport, clock } = setup();
    let opens = 0;
    let closes = 0;
    socket.onopen = () => opens++;
    socket.onclose = () => closes++;
    for (let i = 0; i < 3; i++) {
      transport.last.open();
      transport.last.serverClose(1006);
      clock.advance(10_000);
    }
    assert.deepEqual([opens, closes, transport.count], [3, 3, 4]);
  });
});

describe('environment', () => {
  it('offline while reconnecting parks the socket; online attempts at once', () => {
    const { socket, transport, clock, environment, take } = inState('reconnecting');
    environment.emit('offline');
    assert.deepEqual(take(), ['state:reconnecting>offline:offline']);
    clock.advance(120_000);
    assert.equal(transport.count, 1, 'no attempts while offline');
    environment.emit('online');
    assert.deepEqual(take(), ['state:offline>reconnecting:online', 'reconnecting:1:0:online']);
    assert.equal(transport.count, 2, 'the attempt starts at once');
    transport.last.serverClose(1006);
    assert.deepEqual(take(), ['close:1006:', 'reconnecting:2:500:closed:1006'], 'the counter was kept');
    assert.equal(socket.state, 'reconnecting');
  });

  it('offline while connecting drops the attempt in flight', () => {
    const { socket, transport, environment } = setup();
    const attempt = transport.last;
    environment.emit('offline');
    assert.equal(socket.state, 'offline');
    assert.equal(attempt.terminated, true);
    attempt.open(); // detached: cannot revive the socket
    assert.equal(socket.state, 'offline');
  });

  it('offline while open keeps the link', () => {
    const { socket, environment } = inState('open');
    environment.emit('offline');
    assert.equal(socket.state, 'open');
  });

  it('a loss while the device is offline goes to offline, not to retry spam', () => {
    const { socket, transport, clock, environment, take } = inState('open');
    environment.online = false; // no signal delivered, but isOnline() says so
    transport.last.serverClose(1006);
    assert.deepEqual(take(), ['state:open>offline:offline', 'close:1006:']);
    clock.advance(60_000);
    assert.equal(transport.count, 1);
    assert.equal(socket.state, 'offline');
  });

  it('online while waiting to reconnect cancels the wait', () => {
    const { transport, clock, environment } = setup({ backoff: { base: 5_000 } });
    transport.last.serverClose(1006);
    environment.emit('online');
    assert.equal(transport.count, 2);
    clock.advance(5_000);
    assert.equal(transport.count, 2, 'the cancelled timer does not make a third socket');
  });

  it('online while an attempt is in flight leaves it alone', () => {
    const { transport, clock, environment } = inState('reconnecting');
    clock.advance(250);
    environment.emit('online');
    assert.equal(transport.count, 2);
  });

  it('subscribes once and unsubscribes on close', () => {
    const { socket, environment } = setup();
    assert.equal(environment.subscribers, 1);
    socket.close();
    assert.equal(environment.subscribers, 0);
    socket.reconnect();
    assert.equal(environment.subscribers, 1);
  });
});

describe('close()', () => {
  for (const state of ['connecting', 'reconnecting', 'offline'] as const) {
    it(`from ${state}: closed at once; error then close 1006 (not clean) on a later task, as WebSocket does`, () => {
      const { socket, transport, clock, take } = inState(state);
      const count = transport.count;
      const closes: Array<[number, string, boolean]> = [];
      socket.close(4000, 'bye');
      socket.onclose = (e) => closes.push([e.code, e.reason, e.wasClean]); // set after close(): still called
      assert.deepEqual(take(), [`state:${state}>closed:close-called`]);
      assert.equal(socket.state, 'closed');
      assert.equal(socket.readyState, socket.CLOSING);
      clock.advance(0);
      assert.deepEqual(take(), ['error', 'close:1006:']);
      assert.deepEqual(closes, [[1006, '', false]]);
      assert.equal(socket.readyState, socket.CLOSED);
      clock.advance(120_000);
      assert.equal(transport.count, count, 'no further attempts');
      if (state === 'connecting') assert.equal(transport.last.terminated, true);
    });
  }

  it('from open: CLOSING until the server answers, then one final close event', () => {
    const { socket, transport, take } = inState('open');
    const link = transport.last;
    socket.close(1000, 'done');
    assert.deepEqual(link.closeCalls, [{ code: 1000, reason: 'done' }]);
    assert.equal(socket.state, 'closed');
    assert.equal(socket.readyState, socket.CLOSING);
    assert.deepEqual(take(), ['state:open>closed:close-called']);
    link.serverClose(1000, 'done', true);
    assert.equal(socket.readyState, socket.CLOSED);
    assert.deepEqual(take(), ['close:1000:done']);
    link.serverClose(1000); // a second close from the transport is ignored
    socket.close();
    assert.deepEqual(take(), []);
  });

  it('from open: terminates after closeTimeout if the server never answers', () => {
    const { socket, transport, clock, take } = inState('open', { closeTimeout: 2_000 });
    const link = transport.last;
    socket.close();
    take();
    clock.advance(1_999);
    assert.equal(link.terminated, false);
    clock.advance(1);
    assert.equal(link.terminated, true);
    assert.equal(socket.readyState, socket.CLOSED);
    assert.deepEqual(take(), ['close:1006:']);
  });

  it('cancels the heartbeat: no ping or timeout while closing', () => {
    const { socket, transport, clock, take } = inState('open', { closeTimeout: 100_000 });
    socket.close();
    take();
    clock.advance(90_000);
    assert.deepEqual(transport.last.sentText, []);
    assert.deepEqual(take(), []);
  });

  it('is idempotent and validates its arguments like WebSocket.close, with DOMExceptions', () => {
    const { socket, clock, take } = inState('reconnecting');
    const domException = (name: string) => (e: unknown) => e instanceof DOMException && e.name === name;
    for (const code of [1006, 999, 2999, 5000, 0, Number.NaN]) assert.throws(() => socket.close(code), domException('InvalidAccessError'), String(code));
    assert.throws(() => socket.close(1000, 'é'.repeat(62)), domException('SyntaxError'));
    assert.equal(socket.state, 'reconnecting');
    socket.close(1000.4); // [Clamp] unsigned short: rounds to 1000
    socket.close();
    clock.advance(0);
    socket.close();
    assert.deepEqual(take(), ['state:reconnecting>closed:close-called', 'error', 'close:1006:']);
  });

  it('reconnect() while the early close is pending reports it first', () => {
    const { socket, transport, take } = inState('connecting');
    socket.close();
    socket.reconnect();
    assert.deepEqual(take(), ['state:connecting>closed:close-called', 'error', 'close:1006:', 'state:closed>connecting:reconnect-called']);
    assert.equal(transport.count, 2);
    assert.equal(socket.readyState, socket.CONNECTING);
  });
});

describe('reconnect()', () => {
  it('from open: replaces the link now, as one attempt', () => {
    const { socket, transport, take } = inState('open');
    const old = transport.last;
    socket.reconnect('token-refresh');
    assert.deepEqual(old.closeCalls, [{ code: 1000, reason: 'reconnect' }]);
    assert.equal(transport.count, 2);
    assert.deepEqual(take(), [
      'state:open>reconnecting:token-refresh',
      'close:1000:token-refresh',
      'reconnecting:1:0:token-refresh',
    ]);
    old.serverClose(1000); // the old link's own close arrives late
    transport.last.open();
    assert.deepEqual(take(), ['state:reconnecting>open:opened', 'open']);
  });

  it('from connecting: restarts the attempt without counting it', () => {
    const { socket, transport, take } = inState('connecting');
    socket.reconnect();
    assert.equal(transport.sockets[0]?.terminated, true);
    assert.equal(transport.count, 2);
    assert.equal(socket.state, 'connecting');
    assert.deepEqual(take(), []);
    transport.last.serverClose(1006);
    assert.deepEqual(take().slice(-1), ['reconnecting:1:250:closed:1006']);
  });

  it('from reconnecting: cancels the wait and tries now', () => {
    const { socket, transport, clock, take } = inState('reconnecting', { backoff: { base: 5_000 } });
    socket.reconnect();
    assert.equal(transport.count, 2);
    assert.deepEqual(take(), ['reconnecting:1:0:reconnect-called']);
    clock.advance(5_000);
    assert.equal(transport.count, 2);
  });

  it('from offline: tries now', () => {
    const { socket, transport, take } = inState('offline');
    socket.reconnect();
    assert.equal(transport.count, 2);
    assert.deepEqual(take(), ['state:offline>reconnecting:reconnect-called', 'reconnecting:1:0:reconnect-called']);
  });

  it('from closed after giving up: starts again from attempt 0', () => {
    const { socket, transport, take } = setup({ maxAttempts: 0 });
    transport.last.serverClose(1006);
    assert.equal(socket.state, 'closed');
    take();
    socket.reconnect();
    assert.deepEqual(take(), ['state:closed>connecting:reconnect-called']);
    transport.last.open();
    assert.equal(socket.state, 'open');
  });

  it('from closed while the closing handshake is pending: finishes it first', () => {
    const { socket, transport, take } = inState('open');
    const old = transport.last;
    socket.close();
    socket.reconnect();
    assert.equal(old.terminated, true);
    assert.deepEqual(take(), ['state:open>closed:close-called', 'close:1006:', 'state:closed>connecting:reconnect-called']);
    old.serverClose(1000);
    assert.deepEqual(take(), []);
    assert.equal(transport.count, 2);
  });
});

describe('listeners', () => {
  it('a throwing listener is reported and does not stop the others or the socket', () => {
    const { socket, transport, reported } = setup();
    const calls: string[] = [];
    socket.onopen = () => {
      throw new Error('handler bug');
    };
    socket.on('open', () => calls.push('after'));
    socket.on('statechange', () => {
      throw new Error('listener bug');
    });
    transport.last.open();
    assert.equal(socket.state, 'open');
    assert.deepEqual(calls, ['after']);
    assert.deepEqual(
      reported.map((e) => (e instanceof Error ? e.message : e)),
      ['listener bug', 'handler bug'],
    );
  });

  it('on() returns an unsubscribe; addEventListener accepts handleEvent objects and ignores duplicates; handlers run in registration order', () => {
    const { socket, transport } = inState('open');
    const seen: unknown[] = [];
    const off = socket.on('message', (e) => seen.push(`on:${String(e.data)}`));
    const object = { handleEvent: (e: { data: unknown }) => seen.push(`object:${String(e.data)}`) };
    socket.addEventListener('message', object);
    socket.addEventListener('message', object);
    socket.onmessage = (e) => seen.push(`prop:${String(e.data)}`);
    transport.last.receive('1');
    off();
    socket.removeEventListener('message', object);
    transport.last.receive('2');
    assert.deepEqual(seen, ['on:1', 'object:1', 'prop:1', 'prop:2']);
  });

  it('message events carry data and target', () => {
    const { socket, transport } = inState('open');
    let target: unknown;
    socket.onmessage = (e) => (target = e.target);
    transport.last.receive('x');
    assert.equal(target, socket);
  });

  it('error events annotate and never transition', () => {
    const { socket, transport, take } = inState('open');
    transport.last.error('boom');
    assert.deepEqual(take(), ['error']);
    assert.equal(socket.state, 'open');
  });
});

describe('WebSocket surface', () => {
  it('exposes url, protocol and extensions of the latest link', () => {
    const { socket, transport } = setup();
    assert.equal(socket.url, 'ws://lifeline.test/');
    assert.equal(socket.protocol, '');
    transport.last.extensions = 'permessage-deflate';
    transport.last.open('chat.v2');
    assert.equal(socket.protocol, 'chat.v2');
    assert.equal(socket.extensions, 'permessage-deflate');
  });

  it('applies binaryType to the current and every later link', () => {
    const { socket, transport, clock } = setup();
    assert.equal(socket.binaryType, 'blob');
    socket.binaryType = 'arraybuffer';
    assert.equal(transport.last.binaryType, 'arraybuffer');
    transport.last.serverClose(1006);
    clock.advance(250);
    assert.equal(transport.last.binaryType, 'arraybuffer');
  });

  it('passes protocols to the transport', () => {
    const transport = new FakeTransport();
    const options = { WebSocket: transport.WebSocket, clock: new FakeClock(), environment: new FakeEnvironment() };
    new LifelineSocket('ws://x/', ['a', 'b'], options);
    assert.deepEqual(transport.last.protocols, ['a', 'b']);
  });
});

describe('options', () => {
  const make = (options: Record<string, unknown>) => () => setup(options);

  it('rejects bad values with RangeError or TypeError', () => {
    assert.throws(make({ heartbeat: { interval: 0 } }), RangeError);
    assert.throws(make({ heartbeat: { maxMissed: 1.5 } }), RangeError);
    assert.throws(make({ heartbeat: { timeout: Number.NaN } }), TypeError);
    assert.throws(make({ heartbeat: { mode: 'loud' } }), TypeError);
    assert.throws(make({ heartbeat: { pong: 42 } }), TypeError);
    assert.throws(make({ maxAttempts: -1 }), RangeError);
    assert.throws(make({ connectTimeout: 0 }), RangeError);
    assert.throws(make({ backoff: { base: 0 } }), RangeError);
    assert.throws(make({ backoff: { base: 1000, cap: 500 } }), RangeError);
    assert.throws(make({ minUptime: 2 ** 31 }), RangeError);
    assert.throws(make({ random: 0.5 }), TypeError);
    // Like `new WebSocket(42)`: converted to '42', a relative URL, and there is no document to resolve it against.
    assert.throws(() => new LifelineSocket(42 as unknown as string), { name: 'SyntaxError' });
  });

  it('treats undefined fields as defaults', () => {
    const { socket } = setup({ heartbeat: { interval: undefined }, backoff: { base: undefined }, maxAttempts: undefined });
    assert.equal(socket.state, 'connecting');
  });

  it('throws TypeError when no WebSocket exists', (t) => {
    if ('WebSocket' in globalThis) return t.skip('this runtime has a global WebSocket');
    assert.throws(() => new LifelineSocket('ws://x/', undefined, { clock: new FakeClock() }), TypeError);
  });
});
