// Reconnect: attempt counting, backoff timing, stale-callback guards, give-up rules and URL providers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SOCKET_CLOSE_CODES, socketRetries } from '@lifeline/socket';
import { setup } from './harness.js';

describe('close codes', () => {
  it('gives up only on the documented terminal codes', () => {
    const terminal = SOCKET_CLOSE_CODES.filter((c) => !c.retryable).map((c) => c.code);
    assert.deepEqual(terminal, [1002, 1003, 1007, 1008, 1009, 1010, 4001, 4003]);
    for (const code of [1000, 1001, 1005, 1006, 1011, 1012, 1013, 1014, 1015, 3000, 4000, 4002, 4999]) {
      assert.equal(socketRetries(code), true, String(code));
    }
    for (const code of terminal) assert.equal(socketRetries(code), false, String(code));
  });
});

describe('attempt counting and delays', () => {
  it('counts one attempt for an error followed by a close', () => {
    const { transport, clock, entries } = setup({ connectTimeout: 60_000 });
    for (let i = 0; i < 4; i++) {
      transport.last.error();
      transport.last.serverClose(1006);
      clock.advance(20_000);
    }
    // Closed before opening: refused attempts back off only up to refusedCap (1 s; random 0.5 halves it).
    assert.deepEqual(entries('reconnecting'), [
      'reconnecting:1:250:closed:1006',
      'reconnecting:2:500:closed:1006',
      'reconnecting:3:500:closed:1006',
      'reconnecting:4:500:closed:1006',
    ]);
    assert.equal(transport.count, 5);
    assert.equal(entries('error').length, 4, 'errors are reported, never counted');
  });

  it('backs off to the full cap after timeouts and lost links, and to refusedCap after refusals', () => {
    const { transport, clock, entries } = setup({ connectTimeout: 3_000, minUptime: 60_000 });
    transport.last.open();
    transport.last.serverClose(1006); // a link that was open: full backoff
    clock.advance(250);
    clock.advance(3_000); // attempt 1 times out: full backoff
    clock.advance(1_000);
    transport.last.open();
    transport.last.serverClose(1011);
    clock.advance(2_000);
    transport.last.serverClose(1006); // attempt 3 refused before opening: refusedCap
    assert.deepEqual(entries('reconnecting'), [
      'reconnecting:1:250:closed:1006',
      'reconnecting:2:500:connect-timeout',
      'reconnecting:3:1000:closed:1011',
      'reconnecting:4:500:closed:1006',
    ]);
  });

  it('validates refusedCap and never lets it exceed cap', () => {
    assert.throws(() => setup({ backoff: { refusedCap: 0 } }), RangeError);
    const { transport, clock, entries } = setup({ backoff: { base: 100, cap: 400, refusedCap: 5_000 } });
    for (let i = 0; i < 4; i++) {
      transport.last.serverClose(1006);
      clock.advance(1_000);
    }
    assert.deepEqual(
      entries('reconnecting').map((e) => e.split(':')[2]),
      ['50', '100', '200', '200'],
    );
  });

  it('waits exactly the backoff delay before the next attempt', () => {
    const { transport, clock } = setup();
    transport.last.serverClose(1006);
    clock.advance(249);
    assert.equal(transport.count, 1);
    clock.advance(1);
    assert.equal(transport.count, 2);
    transport.last.serverClose(1006);
    clock.advance(499);
    assert.equal(transport.count, 2);
    clock.advance(1);
    assert.equal(transport.count, 3);
  });

  it('keeps backing off for a link that drops before minUptime, and resets after it', () => {
    const { transport, clock, entries } = setup({ minUptime: 10_000 });
    transport.last.serverClose(1006);
    clock.advance(250);
    transport.last.open();
    clock.advance(9_999); // a flapping server: accepted, then kicked
    transport.last.serverClose(1011);
    clock.advance(500);
    transport.last.open();
    clock.advance(10_000);
    transport.last.serverClose(1001);
    assert.deepEqual(entries('reconnecting'), [
      'reconnecting:1:250:closed:1006',
      'reconnecting:2:500:closed:1011',
      'reconnecting:1:250:closed:1001',
    ]);
  });

  it('retryAfter() sets the next delay only', () => {
    const { socket, transport, clock, entries } = setup();
    transport.last.open();
    socket.retryAfter(4_000); // e.g. the server announced a restart
    transport.last.serverClose(1012, 'restart');
    clock.advance(6_000);
    transport.last.serverClose(1006);
    assert.deepEqual(entries('reconnecting'), ['reconnecting:1:6000:closed:1012', 'reconnecting:2:500:closed:1006']);
    assert.throws(() => socket.retryAfter(-1), RangeError);
    assert.throws(() => socket.retryAfter(Number.NaN), RangeError);
  });

  it('a hint given in the close listener applies to that close', () => {
    const { socket, transport, entries } = setup();
    transport.last.open();
    socket.on('close', (e) => {
      if (e.code === 1013) socket.retryAfter(Number(e.reason));
    });
    transport.last.serverClose(1013, '3000');
    assert.deepEqual(entries('reconnecting'), ['reconnecting:1:4500:closed:1013']);
  });
});

describe('stale callbacks', () => {
  it("a torn-down socket's late close, error and open do nothing", () => {
    const { socket, transport, clock, log } = setup();
    const old = transport.last;
    old.open();
    // Capture the handlers the transport holds, as a platform that already queued events would.
    const { onclose, onerror, onopen, onmessage } = old;
    clock.advance(30_000); // heartbeat timeout: old is torn down
    assert.equal(socket.state, 'reconnecting');
    const before = [...log];
    onerror?.({ message: 'late' });
    onclose?.({ code: 1006, reason: '', wasClean: false });
    onopen?.({});
    onmessage?.({ data: 'ghost' });
    old.serverClose(1006); // the detached fake has no handlers left at all
    assert.deepEqual(log, before, 'no events, no extra attempt');
    clock.advance(250);
    assert.equal(transport.count, 2, 'exactly one new attempt');
    transport.last.open();
    assert.equal(socket.state, 'open');
  });

  it('a dropped socket keeps no-op handlers, since ws throws an error event nobody listens to', () => {
    const { transport, log } = setup();
    const first = transport.last;
    transport.last.serverClose(1006);
    const before = [...log];
    assert.equal(typeof first.onerror, 'function');
    first.error('emitted by ws after terminate()');
    assert.deepEqual(log, before);
  });

  it('an attempt restarted by reconnect() cannot open or fail the new one', () => {
    const { socket, transport, log } = setup();
    const first = transport.last;
    const { onopen, onclose } = first;
    socket.reconnect();
    assert.equal(first.terminated, true);
    onopen?.({});
    onclose?.({ code: 1006 });
    assert.equal(socket.state, 'connecting');
    assert.deepEqual(log, []);
    transport.last.open();
    assert.deepEqual(log, ['state:connecting>open:opened', 'open']);
  });
});

describe('giving up', () => {
  it('after maxAttempts failed attempts: giveup, closed, environment released', () => {
    const { socket, transport, clock, environment, take } = setup({ maxAttempts: 2 });
    transport.last.serverClose(1006);
    clock.advance(250);
    transport.last.serverClose(1006);
    clock.advance(500);
    take();
    transport.last.serverClose(1006);
    assert.deepEqual(take(), ['state:reconnecting>closed:max-attempts', 'close:1006:', 'giveup:2:max-attempts']);
    assert.equal(socket.state, 'closed');
    assert.equal(socket.readyState, socket.CLOSED);
    assert.equal(environment.subscribers, 0);
    clock.advance(60_000);
    assert.equal(transport.count, 3);
    assert.throws(() => socket.send('x'), { name: 'InvalidStateError' });
  });

  it('maxAttempts 0 gives up at the first loss', () => {
    const { socket, transport, entries } = setup({ maxAttempts: 0 });
    transport.last.open();
    transport.last.serverClose(1006);
    assert.equal(socket.state, 'closed');
    assert.deepEqual(entries('giveup'), ['giveup:0:max-attempts']);
  });

  for (const code of [1002, 1008, 4001, 4003]) {
    it(`on terminal code ${code}`, () => {
      const { socket, transport, clock, take } = setup();
      transport.last.open();
      take();
      transport.last.serverClose(code, 'nope');
      assert.deepEqual(take(), [`state:open>closed:terminal-code:${code}`, `close:${code}:nope`, `giveup:0:terminal-code:${code}`]);
      clock.advance(60_000);
      assert.equal(transport.count, 1);
      assert.equal(socket.state, 'closed');
    });
  }

  it('not on 1000: a server closing normally is reconnected', () => {
    const { socket, transport, clock } = setup();
    transport.last.open();
    transport.last.serverClose(1000);
    assert.equal(socket.state, 'reconnecting');
    clock.advance(250);
    assert.equal(transport.count, 2);
  });

  it('follows a custom shouldReconnect, and survives one that throws', () => {
    const custom = setup({ shouldReconnect: ({ code }) => code !== 4500 });
    custom.transport.last.serverClose(4500);
    assert.equal(custom.socket.state, 'closed');

    const buggy = setup({
      shouldReconnect: () => {
        throw new Error('oops');
      },
    });
    buggy.transport.last.serverClose(1006);
    assert.equal(buggy.socket.state, 'reconnecting');
    assert.equal(buggy.reported.length, 1);
  });
});

describe('connect timeout', () => {
  it('tears down an attempt that does not open in time and counts it', () => {
    const { socket, transport, clock, take } = setup({ connectTimeout: 3_000 });
    const first = transport.last;
    clock.advance(2_999);
    assert.equal(first.terminated, false);
    clock.advance(1);
    assert.equal(first.terminated, true);
    assert.deepEqual(take(), [
      'state:connecting>reconnecting:connect-timeout',
      'close:1006:connect timeout',
      'reconnecting:1:250:connect-timeout',
    ]);
    clock.advance(250 + 3_000);
    assert.deepEqual(take(), ['close:1006:connect timeout', 'reconnecting:2:500:connect-timeout']);
    assert.equal(socket.state, 'reconnecting');
  });

  it('retries at once when the timer fired late because the device slept', () => {
    const { transport, clock, entries } = setup({ connectTimeout: 3_000 });
    clock.jump(60_000);
    clock.runDue();
    assert.deepEqual(entries('reconnecting'), ['reconnecting:1:0:connect-timeout']);
    clock.runDue();
    assert.equal(transport.count, 2);
  });
});

describe('URL providers', () => {
  it('is called for every attempt', () => {
    let n = 0;
    const { socket, transport, clock } = setup({}, () => `ws://lifeline.test/?token=${++n}`);
    assert.equal(socket.url, 'ws://lifeline.test/?token=1');
    transport.last.serverClose(1006);
    clock.advance(250);
    assert.equal(transport.last.url, 'ws://lifeline.test/?token=2');
    assert.equal(socket.url, 'ws://lifeline.test/?token=2');
  });

  it('a throwing, then rejecting, then resolving provider connects on the third attempt', async () => {
    const results: Array<() => string | Promise<string>> = [
      () => {
        throw new Error('token service down');
      },
      () => Promise.reject(new Error('still down')),
      () => Promise.resolve('ws://lifeline.test/ok'),
    ];
    const { socket, transport, clock, take } = setup({}, () => (results.shift() ?? (() => 'ws://unexpected'))());
    // The first call threw inside the constructor, before any listener could attach.
    assert.equal(socket.url, '');
    assert.equal(socket.state, 'reconnecting');
    assert.deepEqual(take(), []);
    clock.advance(250);
    await flushPromises();
    assert.deepEqual(take(), ['error', 'reconnecting:2:500:url-error']);
    clock.advance(500);
    await flushPromises();
    assert.equal(transport.count, 1);
    assert.equal(socket.url, 'ws://lifeline.test/ok');
    transport.last.open();
    assert.equal(socket.state, 'open');
    socket.reconnect(); // nothing stays locked after the failures
    await flushPromises();
    assert.equal(transport.count, 2);
  });

  it('a provider that never settles is cut off by the connect timeout', async () => {
    let calls = 0;
    const { transport, clock, entries } = setup({ connectTimeout: 2_000 }, () => {
      calls++;
      return calls === 1 ? new Promise<string>(() => {}) : 'ws://lifeline.test/';
    });
    clock.advance(2_000);
    assert.deepEqual(entries('close'), ['close:1006:connect timeout']);
    clock.advance(250);
    await flushPromises();
    assert.equal(transport.count, 1);
    assert.equal(calls, 2);
  });

  it('a URL resolved after its attempt was abandoned is ignored', async () => {
    const pending: Array<(url: string) => void> = [];
    const { socket, transport } = setup({}, () => new Promise<string>((resolve) => pending.push(resolve)));
    socket.reconnect(); // restart while the first URL is still pending
    pending[1]?.('ws://lifeline.test/second');
    pending[0]?.('ws://lifeline.test/first');
    await flushPromises();
    assert.deepEqual(
      transport.sockets.map((s) => s.url),
      ['ws://lifeline.test/second'],
    );
  });
});

async function flushPromises(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
