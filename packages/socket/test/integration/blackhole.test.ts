// A black-holed link (userspace proxy drops every byte, TCP stays up): detect, wait out, heal, resend once.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTcpProxy, waitFor } from '@lifeline/testkit';
import { FAST, deliveredOnceInOrder, fastOptions, recordApp, roundTrip } from '../fixtures/app-recorder.js';
import { startJavaLikeServer } from '../fixtures/java-like-server.js';
import { spyTransport } from '../fixtures/spy-transport.js';
import { startLagMonitor } from '../fixtures/timing.js';

test('black hole: detected within the heartbeat deadline, reconnects after heal, outbox delivered once in order', async (t) => {
  const deadline = FAST.maxMissed * FAST.interval + FAST.timeout;
  const server = await startJavaLikeServer();
  t.after(() => server.close());
  const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: server.port } });
  t.after(() => proxy.close());
  const app = recordApp(`ws://127.0.0.1:${proxy.port}/ws/bh`, fastOptions());
  t.after(() => app.close());
  const lag = startLagMonitor();
  t.after(() => lag.stop());

  await app.waitFor('open', 2_000);
  app.socket.send('pre');
  await app.waitFor('message:echo:pre', 2_000);
  await app.waitFor('heartbeat:', 3 * deadline);
  proxy.blackhole();
  const holedAt = Date.now();

  const lost = await app.waitForSince('state:open>reconnecting:heartbeat-timeout', holedAt, deadline + 2_000);
  const sinceHole = lost.at - holedAt;
  const slack = lag.slack();
  assert.ok(sinceHole <= deadline + slack, `detected ${sinceHole} ms into the black hole; deadline ${deadline} + slack ${slack}`);
  assert.ok(sinceHole >= FAST.timeout - 100, `detected ${sinceHole} ms into the black hole: sooner than a ping could time out`);
  const sinceAlive = lost.at - app.lastAliveBefore(lost.at);
  assert.ok(sinceAlive >= deadline - 10, `declared dead ${sinceAlive} ms after the last sign of life; deadline ${deadline} ms`);

  const queued = ['bh-1', 'bh-2', 'bh-3', 'bh-4'];
  for (const m of queued) app.socket.send(m);
  // Attempts through the black hole get a TCP connection and nothing else: they time out.
  await app.waitForSince('reconnecting:2:connect-timeout', lost.at, FAST.connectTimeout + FAST.backoff.cap + 2_000);
  assert.notEqual(app.socket.state, 'open');
  assert.equal(server.received.filter((m) => m.startsWith('bh-')).length, 0, 'nothing leaked through the black hole');
  assert.ok(proxy.accepted >= 2, `proxy accepted ${proxy.accepted}`);

  proxy.heal();
  const healedAt = Date.now();
  // An attempt caught mid-handshake by the heal is dead; the next one gets through.
  await app.waitForSince('open', healedAt, 2 * (FAST.connectTimeout + FAST.backoff.cap) + 2_000);
  await waitFor(() => app.messages.filter((m) => m.startsWith('echo:bh-')).length >= queued.length, { timeoutMs: 2_000 });
  // A duplicate, if there were one, would have been echoed before this sentinel.
  await roundTrip(app, 'flush');

  assert.equal(deliveredOnceInOrder(server.received, queued, 'bh-'), '', 'server side');
  assert.equal(deliveredOnceInOrder(app.messages, queued.map((m) => `echo:${m}`), 'echo:bh-'), '', 'application side');
  assert.equal(server.received.filter((m) => m === 'pre').length, 1);
  assert.equal(app.socket.outboxSize, 0);
  // The ghost of the old link was reset at heal; only the new one remains on the server.
  await waitFor(() => server.clients === 1, { timeoutMs: 2_000, message: `server still has ${server.clients} clients` });
  assert.deepEqual(app.texts('giveup'), []);
  assert.ok(!app.messages.includes('WebsocketLive'));

  // And the new link is healthy: heartbeats flow again.
  await app.waitForSince('heartbeat:', healedAt, 3 * deadline);
});

test('a stall shorter than the heartbeat deadline is ridden out: no reconnect, held messages flow on', async (t) => {
  const server = await startJavaLikeServer();
  t.after(() => server.close());
  const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: server.port } });
  t.after(() => proxy.close());
  // A long deadline so that the stall is unambiguously shorter, whatever the machine's load.
  const heartbeat = { message: 'HeartCheck', pong: 'WebsocketLive', interval: 300, timeout: 1_500 };
  const spy = spyTransport();
  const app = recordApp(`ws://127.0.0.1:${proxy.port}/ws/stall`, fastOptions({ heartbeat, WebSocket: spy.WebSocket }));
  t.after(() => app.close());
  const pings = () => spy.sent.filter((m) => m === 'HeartCheck').length;

  await app.waitFor('open', 2_000);
  proxy.stall();
  const pingsBefore = pings();
  app.socket.send('during-1');
  app.socket.send('during-2');
  // A ping goes out and waits in the stalled link.
  await waitFor(() => pings() > pingsBefore, { timeoutMs: heartbeat.interval + 2_000, message: 'no ping during the stall' });
  assert.equal(app.socket.state, 'open');
  assert.equal(server.received.length, 0);
  proxy.heal();
  const healedAt = Date.now();
  await waitFor(() => app.messages.length >= 2, { timeoutMs: 2_000 });
  assert.deepEqual(app.messages.slice(0, 2), ['echo:during-1', 'echo:during-2']);
  await app.waitForSince('heartbeat:', healedAt, 2_000); // the held ping, answered
  assert.deepEqual(app.texts('statechange'), ['state:connecting>open:opened']);
  assert.equal(deliveredOnceInOrder(server.received, ['during-1', 'during-2'], 'during-'), '');
});

test('attempts hanging in the handshake are abandoned (timeout, reconnect(), close()) without an uncaught ws error', async (t) => {
  const server = await startJavaLikeServer();
  t.after(() => server.close());
  const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: server.port } });
  t.after(() => proxy.close());
  proxy.blackhole(); // TCP connects, the upgrade is never answered: every ws stays CONNECTING
  const spy = spyTransport();
  const app = recordApp(`ws://127.0.0.1:${proxy.port}/ws/hang`, fastOptions({ connectTimeout: 150, WebSocket: spy.WebSocket }));
  t.after(() => app.close());

  // `ws` emits 'error' on a CONNECTING socket that is terminated; with no listener that would crash us.
  // It does so just before 'close', which the spy awaits: an unhandled 'error' has struck by then.
  await app.waitFor('reconnecting:2:connect-timeout', 3_000);
  app.socket.send('queued');
  await waitFor(() => proxy.accepted >= 3, { timeoutMs: 2_000 });
  const inFlight = spy.sockets.at(-1);
  const made = spy.sockets.length;
  app.socket.reconnect(); // abandons whatever attempt is in flight
  await waitFor(() => spy.hasClosed(inFlight) && spy.sockets.length > made, {
    timeoutMs: 2_000,
    message: 'reconnect() did not abandon the attempt in flight and start another',
  });
  assert.notEqual(app.socket.state, 'open');
  app.socket.close(); // abandons the attempt in flight, if any
  assert.equal(app.socket.state, 'closed');
  await waitFor(() => spy.allClosed(), { timeoutMs: 2_000, message: 'an abandoned attempt never reported its close' });
  assert.equal(server.clients, 0);

  proxy.heal();
  app.socket.reconnect();
  await app.waitFor('open', 2 * (150 + FAST.backoff.cap) + 2_000);
  await app.waitFor('message:echo:queued', 2_000);
  assert.equal(deliveredOnceInOrder(server.received, ['queued'], 'queued'), '');
});
