// Fault tests on a real server child process: SIGKILL + restart on the same port, SIGSTOP + SIGCONT.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServerProcess, waitFor, withTimeout, type ServerProcess } from '@lifeline/testkit';
import { FAST, deliveredOnceInOrder, fastOptions, receivedByProcess, recordApp, roundTrip, type AppRecorder } from '../fixtures/app-recorder.js';
import { startLagMonitor } from '../fixtures/timing.js';

const SERVER = fileURLToPath(new URL('../fixtures/java-like-server.ts', import.meta.url));

/**
 * A sentinel after everything else, on the link and on the child's stdout: once the application has
 * its echo and the child has logged it, a duplicate sent before it would have shown up on both.
 */
async function flush(app: AppRecorder, proc: ServerProcess, from: number): Promise<void> {
  await roundTrip(app, 'flush');
  await proc.waitForLine((line) => line === `RECV ${JSON.stringify('flush')}`, 2_000, from);
}

test('server SIGKILLed and restarted on the same port: reconnects by itself, outage messages arrive once, in order', async (t) => {
  const proc = await startServerProcess(SERVER);
  t.after(() => proc.close());
  const app = recordApp(`ws://127.0.0.1:${proc.port}/ws/kill`, fastOptions());
  t.after(() => app.close());

  await app.waitFor('open', 3_000);
  app.socket.send('before');
  await app.waitFor('message:echo:before', 2_000);

  const killedAt = Date.now();
  proc.kill('SIGKILL');
  assert.equal(await withTimeout(proc.exited, 2_000, 'SIGKILL exit'), null);
  await app.waitForSince('close:1006', killedAt, 2_000);
  assert.equal(app.socket.state, 'reconnecting');

  const outage = ['out-1', 'out-2', 'out-3', 'out-4', 'out-5'];
  for (const m of outage) app.socket.send(m);
  assert.equal(app.socket.outboxSize, outage.length);
  // Let attempts fail against the closed port for a while (ECONNREFUSED), then bring the server back.
  await app.waitForSince('reconnecting:2', killedAt, 2_000);
  const restartFrom = proc.lines.length;
  await proc.restart();
  const restartedAt = Date.now();

  await app.waitForSince('open', restartedAt, 3_000);
  await waitFor(() => app.messages.filter((m) => m.startsWith('echo:out-')).length >= outage.length, { timeoutMs: 2_000 });
  await flush(app, proc, restartFrom);

  const received = receivedByProcess(proc.lines);
  assert.equal(deliveredOnceInOrder(received, outage, 'out-'), '', 'server side');
  assert.equal(deliveredOnceInOrder(app.messages, outage.map((m) => `echo:${m}`), 'echo:out-'), '', 'application side');
  assert.equal(received.filter((m) => m === 'before').length, 1);
  assert.equal(app.socket.outboxSize, 0);
  // The restarted server saw exactly one connection: no duplicate links.
  assert.equal(proc.lines.slice(restartFrom).filter((l) => l === 'CONNECT').length, 1);

  // What the application saw, in order: open, the loss, attempts, open again; never closed or given up.
  const lifecycle = app.seen.filter((s) => s.type === 'open' || s.type === 'close').map((s) => s.text);
  assert.deepEqual(lifecycle.slice(0, 2), ['open', 'close:1006']);
  assert.equal(lifecycle.at(-1), 'open');
  assert.ok(!app.states().includes('closed'));
  assert.deepEqual(app.texts('giveup'), []);
  assert.equal(app.socket.state, 'open');
});

test('server frozen with SIGSTOP: the heartbeat notices within the deadline, reconnects after SIGCONT', async (t) => {
  const maxMissed = 2;
  const deadline = maxMissed * FAST.interval + FAST.timeout;
  const proc = await startServerProcess(SERVER);
  t.after(() => proc.close());
  const app = recordApp(
    `ws://127.0.0.1:${proc.port}/ws/stop`,
    fastOptions({ heartbeat: { message: 'HeartCheck', pong: 'WebsocketLive', interval: FAST.interval, timeout: FAST.timeout, maxMissed } }),
  );
  t.after(() => app.close());

  const lag = startLagMonitor();
  t.after(() => lag.stop());

  await app.waitFor('open', 3_000);
  // Freeze right after a pong, so the link was provably alive just before the freeze.
  await app.waitFor('heartbeat:', 3 * deadline);
  const stoppedAt = Date.now();
  proc.stop();

  const lost = await app.waitForSince('state:open>reconnecting:heartbeat-timeout', stoppedAt, deadline + 2_000);
  const sinceStop = lost.at - stoppedAt;
  const slack = lag.slack();
  assert.ok(sinceStop <= deadline + slack, `detected ${sinceStop} ms after SIGSTOP; deadline ${deadline} ms + slack ${slack} ms`);
  assert.ok(sinceStop >= FAST.timeout - 100, `detected ${sinceStop} ms after SIGSTOP: sooner than a ping could time out`);
  // Precisely: dead exactly at lastAlive + maxMissed * interval + timeout, never before.
  const sinceAlive = lost.at - app.lastAliveBefore(lost.at);
  assert.ok(sinceAlive >= deadline - 10, `declared dead ${sinceAlive} ms after the last sign of life; deadline ${deadline} ms`);
  const closeEvent = app.seen.find((s) => s.type === 'close' && s.at >= stoppedAt);
  assert.equal(closeEvent?.text, 'close:1006');

  const frozen = ['frozen-1', 'frozen-2', 'frozen-3'];
  for (const m of frozen) app.socket.send(m);
  // A frozen process's kernel still completes TCP handshakes; the upgrade is never answered.
  await app.waitForSince('reconnecting:2:connect-timeout', lost.at, FAST.connectTimeout + FAST.backoff.cap + 1_000);
  assert.notEqual(app.socket.state, 'open');

  const contAt = Date.now();
  const contFrom = proc.lines.length;
  proc.cont();
  await app.waitForSince('open', contAt, FAST.connectTimeout + FAST.backoff.cap + 2_000);
  await waitFor(() => app.messages.filter((m) => m.startsWith('echo:frozen-')).length >= frozen.length, { timeoutMs: 2_000 });
  await flush(app, proc, contFrom);

  assert.equal(deliveredOnceInOrder(receivedByProcess(proc.lines), frozen, 'frozen-'), '', 'server side');
  assert.equal(deliveredOnceInOrder(app.messages, frozen.map((m) => `echo:${m}`), 'echo:frozen-'), '', 'application side');
  assert.equal(app.socket.state, 'open');
  assert.ok(!app.messages.includes('WebsocketLive'));
});
