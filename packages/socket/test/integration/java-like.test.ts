// LifelineSocket against a dumb Java-like server (HeartCheck/WebsocketLive, no protocol pings), in-process.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor, withTimeout } from '@lifeline/testkit';
import { FAST, fastOptions, recordApp } from '../fixtures/app-recorder.js';
import { startJavaLikeServer } from '../fixtures/java-like-server.js';

// These tests assert that nothing goes wrong, so the deadline is generous: a loaded machine's
// late timers must not pass for a dead link. Detection speed is tested in the fault suites.
const RELAXED = { message: 'HeartCheck', pong: 'WebsocketLive', interval: FAST.interval, timeout: 1_000 };
/** How long the stream of the second test must keep the link up, and its tick period. */
const STREAM_MS = 1_000;
const TICK_MS = 30;

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

  // Pongs never reach the application, and the link never dropped: two more round trips after the
  // echoes, so that the first one's pong has been handled in full when the second one is reported.
  await app.waitFor('heartbeat:', 3 * (FAST.interval + RELAXED.timeout) + 1_000, app.rtts.length + 2);
  assert.ok(!app.messages.includes('WebsocketLive'), `messages: ${app.messages.join(', ')}`);
  assert.deepEqual(app.texts('message'), ['message:echo:hello', 'message:echo:world']);
  assert.deepEqual(app.texts('statechange'), ['state:connecting>open:opened']);
  assert.deepEqual(app.texts('close'), []);
  assert.equal(server.clients, 1);
});

test('a stream of application messages keeps the link alive without being mistaken for pongs', async (t) => {
  const server = await startJavaLikeServer({ tickMs: TICK_MS });
  t.after(() => server.close());
  const app = recordApp(`ws://127.0.0.1:${server.port}/ws/2`, fastOptions({ heartbeat: RELAXED }));
  t.after(() => app.close());

  await app.waitFor('open', 2_000);
  app.socket.send('subscribe');
  // Several heartbeat intervals' worth of streaming: the link must stay up the whole time. The ticks
  // run on one link (a new one would not be subscribed), so the last one proves how long it lasted.
  const streamed = Math.ceil(STREAM_MS / TICK_MS);
  await app.waitFor('message:tick:', 3 * STREAM_MS + 2_000, streamed);
  const ticks = app.messages.filter((m) => m.startsWith('tick:'));
  assert.ok(ticks.length >= streamed, `ticks: ${ticks.length}`);
  ticks.forEach((m, i) => assert.equal(m, `tick:${i + 1}`, 'ticks in order, none lost'));
  assert.deepEqual(app.texts('statechange'), ['state:connecting>open:opened']);
  assert.equal(server.received.filter((m) => m === 'subscribe').length, 1);
});

test('close() ends the link cleanly and the server sees the client go', async (t) => {
  const server = await startJavaLikeServer();
  t.after(() => server.close());
  // The server's view of this client's links alone (the witness below connects on another path).
  let links = 0;
  const live = new Set<object>();
  server.wss.on('connection', (ws, req) => {
    if (req.url !== '/ws/3') return;
    links++;
    live.add(ws);
    ws.once('close', () => live.delete(ws));
  });
  const app = recordApp(`ws://127.0.0.1:${server.port}/ws/3`, fastOptions({ heartbeat: RELAXED }));
  t.after(() => app.close());
  await app.waitFor('open', 2_000);
  await waitFor(() => live.size === 1, { timeoutMs: 1_000 });
  const closed = new Promise<number>((resolve) => app.socket.on('close', (e) => resolve(e.code)));
  app.socket.close(1000, 'bye');
  assert.equal(app.socket.state, 'closed');
  assert.equal(await withTimeout(closed, 1_000, 'close event'), 1000);
  await waitFor(() => live.size === 0, { timeoutMs: 1_000 });
  const goneAt = Date.now();

  // No reconnect after close(). One would be scheduled (statechange, reconnecting) when the link
  // closed and would start within backoff.cap: a witness link's heartbeat, answered by the server
  // after that window, is the positive event after which the counts are checked.
  const witness = recordApp(`ws://127.0.0.1:${server.port}/ws/3-witness`, fastOptions());
  t.after(() => witness.close());
  await witness.waitForSince('heartbeat:', goneAt + FAST.backoff.cap, FAST.backoff.cap + 2 * (FAST.interval + FAST.timeout) + 2_000);
  assert.deepEqual(app.texts('statechange'), ['state:connecting>open:opened', 'state:open>closed:close-called']);
  assert.deepEqual(app.texts('reconnecting'), []);
  assert.equal(links, 1, 'no reconnect after close(): the server saw one link from the client');
  assert.equal(live.size, 0);
  assert.throws(() => app.socket.send('late'), { name: 'InvalidStateError' });
});
