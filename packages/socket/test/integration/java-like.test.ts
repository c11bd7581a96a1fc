// LifelineSocket against a dumb Java-like server (HeartCheck/WebsocketLive, no protocol pings), in-process.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep, waitFor, withTimeout } from '@lifeline/testkit';
import { FAST, fastOptions, recordApp } from '../fixtures/app-recorder.js';

// These tests assert that nothing goes wrong, so the deadline is generous: a loaded machine's
// late timers must not pass for a dead link. Detection speed is tested in the fault suites.
const RELAXED = { message: 'HeartCheck', pong: 'WebsocketLive', interval: FAST.interval, timeout: 1_000 };
import { startJavaLikeServer } from '../fixtures/java-like-server.js';

test('application-level heartbeat against a Java-like server: rtt events, pongs hidden, echo works', async (t) => {
  const server = await startJavaLikeServer();
  t.after(() => server.close());
  const app = recordApp(`ws://127.0.0.1:${server.port}/ws/1`, fastOptions({ heartbeat: RELAXED }));
  t.after(() => app.close());

  await app.waitFor('open', 2_000);
  assert.equal(app.socket.state, 'open');
  assert.equal(app.socket.readyState, 1);
  assert.equal(app.socket.url, `ws://127.0.0.1:${server.port}/ws/1`);

  // Idle link: a HeartCheck every interval, each answered, each reported with its round trip.
  await app.waitFor('heartbeat:', 3 * FAST.interval + 1_000, 2);
  for (const rtt of app.rtts) {
    assert.ok(Number.isFinite(rtt) && rtt >= 0 && rtt < RELAXED.timeout, `rtt ${rtt}`);
  }
  assert.ok(server.received.filter((m) => m === 'HeartCheck').length >= 2);

  app.socket.send('hello');
  app.socket.send('world');
  await waitFor(() => app.messages.length >= 2, { timeoutMs: 2_000 });
  assert.deepEqual(app.messages.slice(0, 2), ['echo:hello', 'echo:world']);

  // Pongs never reach the application, and the link never dropped.
  await sleep(FAST.interval);
  assert.ok(!app.messages.includes('WebsocketLive'), `messages: ${app.messages.join(', ')}`);
  assert.deepEqual(app.texts('message'), ['message:echo:hello', 'message:echo:world']);
  assert.deepEqual(app.texts('statechange'), ['state:connecting>open:opened']);
  assert.deepEqual(app.texts('close'), []);
  assert.equal(server.clients, 1);
});

test('a stream of application messages keeps the link alive without being mistaken for pongs', async (t) => {
  const server = await startJavaLikeServer({ tickMs: 30 });
  t.after(() => server.close());
  const app = recordApp(`ws://127.0.0.1:${server.port}/ws/2`, fastOptions({ heartbeat: RELAXED }));
  t.after(() => app.close());

  await app.waitFor('open', 2_000);
  app.socket.send('subscribe');
  // Several heartbeat deadlines' worth of streaming: the link must stay up the whole time.
  await sleep(1_000);
  const ticks = app.messages.filter((m) => m.startsWith('tick:'));
  assert.ok(ticks.length >= 10, `ticks: ${ticks.length}`);
  ticks.forEach((m, i) => assert.equal(m, `tick:${i + 1}`, 'ticks in order, none lost'));
  assert.deepEqual(app.texts('statechange'), ['state:connecting>open:opened']);
  assert.equal(server.received.filter((m) => m === 'subscribe').length, 1);
});

test('close() ends the link cleanly and the server sees the client go', async (t) => {
  const server = await startJavaLikeServer();
  t.after(() => server.close());
  const app = recordApp(`ws://127.0.0.1:${server.port}/ws/3`, fastOptions({ heartbeat: RELAXED }));
  t.after(() => app.close());
  await app.waitFor('open', 2_000);
  await waitFor(() => server.clients === 1, { timeoutMs: 1_000 });
  const closed = new Promise<number>((resolve) => app.socket.on('close', (e) => resolve(e.code)));
  app.socket.close(1000, 'bye');
  assert.equal(app.socket.state, 'closed');
  assert.equal(await withTimeout(closed, 1_000, 'close event'), 1000);
  await waitFor(() => server.clients === 0, { timeoutMs: 1_000 });
  await sleep(FAST.backoff.cap);
  assert.equal(server.clients, 0, 'no reconnect after close()');
  assert.throws(() => app.socket.send('late'), { name: 'InvalidStateError' });
});
