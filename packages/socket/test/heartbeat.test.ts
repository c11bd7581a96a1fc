// Heartbeat: ping schedule, missed-pong deadline on the wall clock, pong filtering, probes and wake-ups.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SOCKET_HEARTBEAT } from '@lifeline/socket';
import { Liveness } from '../src/heartbeat.js';
import { openSocket } from './harness.js';

const I = 20_000; // heartbeat interval
const T = 10_000; // heartbeat timeout

describe('Liveness (unit)', () => {
  it('schedules maxMissed pings, then the deadline', () => {
    const live = new Liveness({ ...DEFAULT_SOCKET_HEARTBEAT, maxMissed: 3 }, 0);
    const verdicts: string[] = [];
    for (const t of [I - 1, I, I + 1, 2 * I, 3 * I, 3 * I + T - 1, 3 * I + T]) verdicts.push(`${t}:${live.check(t)}`);
    assert.deepEqual(verdicts, [
      `${I - 1}:wait`,
      `${I}:ping`,
      `${I + 1}:wait`,
      `${2 * I}:ping`,
      `${3 * I}:ping`,
      `${3 * I + T - 1}:wait`,
      `${3 * I + T}:dead`,
    ]);
  });

  it('sends one ping for several skipped slots and keeps the deadline', () => {
    const live = new Liveness({ ...DEFAULT_SOCKET_HEARTBEAT, maxMissed: 3 }, 0);
    assert.equal(live.check(2 * I + 5), 'ping');
    assert.equal(live.nextCheckAt(), 3 * I);
    assert.equal(live.deadline, 3 * I + T);
  });
});

describe('missed pongs', () => {
  for (const maxMissed of [1, 3]) {
    it(`with maxMissed ${maxMissed}: a ping every interval, dead exactly at open + ${maxMissed}*interval + timeout`, () => {
      const { socket, clock, link, log, opened } = openSocket({ maxMissed });
      const pingTimes: number[] = [];
      const deadline = opened + maxMissed * I + T;
      while (clock.now() + 1000 < deadline) {
        clock.advance(1000);
        while (pingTimes.length < link.sent.length) pingTimes.push(clock.now() - opened);
      }
      assert.deepEqual(pingTimes, Array.from({ length: maxMissed }, (_, k) => (k + 1) * I));
      assert.deepEqual(link.sentText, new Array(maxMissed).fill('ping'));
      clock.advance(deadline - 1 - clock.now());
      assert.equal(socket.state, 'open', 'not dead one millisecond early');
      clock.advance(1);
      assert.equal(socket.state, 'reconnecting');
      assert.equal(link.terminated, true, 'a dead link is terminated, not closed politely');
      assert.deepEqual(log.slice(0, 2), ['state:open>reconnecting:heartbeat-timeout', 'close:1006:heartbeat timeout']);
      const before = log.length;
      link.serverClose(1006); // the terminated socket's own close event arrives later
      assert.equal(log.length, before, 'and is ignored');
    });
  }

  it('a pong resets the count and moves the deadline', () => {
    const { socket, clock, link, log, opened } = openSocket({ maxMissed: 3 });
    clock.advance(2 * I + 300); // two pings out
    link.receive('pong');
    const alive = clock.now();
    assert.deepEqual(log, ['heartbeat:300'], 'rtt from the latest ping; the pong is not a message');
    clock.advance(3 * I + T - 1);
    assert.equal(socket.state, 'open');
    assert.equal(link.sent.length, 2 + 3, 'three more pings after the pong');
    clock.advance(1);
    assert.equal(socket.state, 'reconnecting');
    assert.equal(clock.now(), alive + 3 * I + T);
    assert.ok(alive + 3 * I + T > opened + 3 * I + T);
  });

  it('with one allowed miss, the next ping is due interval after the pong, even when the timeout is longer', () => {
    const interval = 1_000;
    const timeout = 5_000;
    const { socket, clock, link } = openSocket({ maxMissed: 1, interval, timeout });
    clock.advance(interval); // the ping
    clock.advance(300);
    link.receive('pong');
    clock.advance(interval - 1);
    assert.equal(link.sent.length, 1, 'not before interval has passed since the pong');
    clock.advance(1);
    assert.equal(link.sent.length, 2, 'and at once then, not at the old deadline (open + interval + timeout)');
    clock.advance(timeout - 1);
    link.receive('pong');
    clock.advance(interval);
    assert.equal(socket.state, 'open');
    assert.equal(link.sent.length, 3);
  });
});

describe('alive signals', () => {
  it('any message postpones the ping by default', () => {
    const { socket, clock, link } = openSocket();
    for (let i = 0; i < 10; i++) {
      clock.advance(I - 1);
      link.receive(`update ${i}`);
    }
    assert.equal(link.sent.length, 0);
    assert.equal(socket.state, 'open');
  });

  it('with anyMessageIsAlive false only pongs count, yet messages are still delivered', () => {
    const { socket, clock, link, log } = openSocket({ anyMessageIsAlive: false });
    clock.advance(I - 1);
    link.receive('update');
    clock.advance(1);
    assert.deepEqual(link.sentText, ['ping']);
    clock.advance(T - 1);
    link.receive('update 2');
    clock.advance(1);
    assert.equal(socket.state, 'reconnecting');
    assert.deepEqual(log.slice(0, 2), ['message:update', 'message:update 2']);
  });

  it('recognises pongs by RegExp and predicate and never dispatches them', () => {
    const byPattern = openSocket({ pong: /^pong:\d+$/g });
    byPattern.clock.advance(I);
    byPattern.link.receive('pong:1');
    byPattern.link.receive('pong:2'); // a /g pattern must not alternate between match and miss
    byPattern.link.receive('pong:x');
    assert.deepEqual(byPattern.log, ['heartbeat:0', 'message:pong:x']);

    const isPong = (data: unknown) => typeof data === 'string' && (JSON.parse(data) as { type?: string }).type === 'pong';
    const byPredicate = openSocket({ pong: isPong });
    byPredicate.clock.advance(I + 40);
    byPredicate.link.receive('{"type":"pong"}');
    byPredicate.link.receive('{"type":"chat"}');
    assert.deepEqual(byPredicate.log, ['heartbeat:40', 'message:{"type":"chat"}']);
  });

  it('reports a throwing pong predicate and delivers the message', () => {
    const { link, log, reported, socket } = openSocket({
      pong: () => {
        throw new Error('bad predicate');
      },
    });
    link.receive('hello');
    assert.deepEqual(log, ['message:hello']);
    assert.equal(reported.length, 1);
    assert.equal(socket.state, 'open');
  });

  it('sends the configured ping message, built fresh each time', () => {
    let n = 0;
    const { clock, link } = openSocket({ message: () => JSON.stringify({ type: 'ping', n: ++n }), maxMissed: 2 });
    clock.advance(2 * I);
    assert.deepEqual(link.sentText, ['{"type":"ping","n":1}', '{"type":"ping","n":2}']);
  });

  it('with heartbeat false never pings, never times out, and delivers "pong" as a message', () => {
    const { socket, clock, link, log } = openSocket(false);
    clock.advance(10 * (I + T));
    link.receive('pong');
    assert.equal(link.sent.length, 0);
    assert.equal(socket.state, 'open');
    assert.deepEqual(log, ['message:pong']);
  });
});

describe('passive mode', () => {
  it('sends no pings and requires inbound traffic before the deadline', () => {
    const { socket, clock, link } = openSocket({ mode: 'passive', interval: 25_000, timeout: 5_000 });
    clock.advance(29_000);
    link.receive('server ping');
    clock.advance(29_999);
    assert.equal(socket.state, 'open');
    clock.advance(1);
    assert.equal(socket.state, 'reconnecting');
    assert.equal(link.sent.length, 0);
  });
});

describe('wall-clock deadline', () => {
  it('send() after a sleep past the deadline tears the link down and queues the message', () => {
    const { socket, clock, transport, link, log } = openSocket();
    clock.jump(I + T + 5_000); // timers did not run: a throttled tab or a sleeping laptop
    assert.equal(socket.state, 'open', 'nothing noticed yet');
    socket.send('order #1');
    assert.equal(socket.state, 'reconnecting');
    assert.equal(link.sent.length, 0, 'nothing written into the dead link');
    assert.equal(link.terminated, true);
    assert.equal(socket.outboxSize, 1);
    assert.deepEqual(log.slice(0, 2), ['state:open>reconnecting:heartbeat-timeout', 'close:1006:heartbeat timeout']);

    clock.runDue(); // the late heartbeat timer must not act on the new state
    clock.advance(250);
    assert.equal(transport.count, 2);
    transport.last.open();
    assert.deepEqual(transport.last.sentText, ['order #1']);
    assert.equal(socket.outboxSize, 0);
  });

  it('a timer firing late past the deadline tears down at once', () => {
    const { socket, clock, link } = openSocket({ maxMissed: 3 });
    clock.jump(3 * I + T);
    clock.runDue();
    assert.equal(socket.state, 'reconnecting');
    assert.equal(link.sent.length, 0, 'no ping into a link already past its deadline');
  });

  it('a wake-up before the deadline probes: one ping, deadline pulled in to now + timeout', () => {
    const { socket, clock, link } = openSocket({ maxMissed: 3 });
    clock.jump(I + 7_000); // the first ping timer fires 7 s late (> wakeThreshold 5 s)
    clock.runDue();
    assert.deepEqual(link.sentText, ['ping']);
    const probedAt = clock.now();
    clock.advance(T - 1);
    assert.equal(socket.state, 'open');
    clock.advance(1);
    assert.equal(socket.state, 'reconnecting', `dead at probe + timeout, not at open + 3*interval + timeout`);
    assert.equal(clock.now(), probedAt + T);
  });

  it('a pong answers a probe and restores the normal schedule', () => {
    const { socket, clock, link } = openSocket({ maxMissed: 3 });
    clock.advance(1000);
    socket.probe();
    assert.deepEqual(link.sentText, ['ping']);
    clock.advance(50);
    link.receive('pong');
    clock.advance(3 * I + T - 1);
    assert.equal(socket.state, 'open');
  });
});

describe('setHeartbeat', () => {
  it('applies a server-announced interval to the open link', () => {
    const { socket, clock, link } = openSocket();
    socket.setHeartbeat({ interval: 5_000, timeout: 2_000 });
    clock.advance(5_000);
    assert.deepEqual(link.sentText, ['ping']);
    clock.advance(2_000);
    assert.equal(socket.state, 'reconnecting');
  });

  it('false stops pinging and timing out', () => {
    const { socket, clock, link } = openSocket();
    clock.advance(I - 1);
    socket.setHeartbeat(false);
    clock.advance(10 * I);
    assert.equal(link.sent.length, 0);
    assert.equal(socket.state, 'open');
  });

  it('validates like the constructor and keeps the old configuration on error', () => {
    const { socket, clock, link } = openSocket();
    assert.throws(() => socket.setHeartbeat({ interval: 0 }), RangeError);
    assert.throws(() => socket.setHeartbeat({ mode: 'loud' as 'active' }), TypeError);
    clock.advance(I);
    assert.deepEqual(link.sentText, ['ping']);
  });
});
