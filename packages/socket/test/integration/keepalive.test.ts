// keepAlive() from @lifeline/socket/server on a real ws server: silent peers are terminated, live ones kept.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepAlive } from '@lifeline/socket/server';
import { startTcpProxy, waitFor, withTimeout } from '@lifeline/testkit';
import WebSocket, { WebSocketServer } from 'ws';
import { fastOptions, recordApp } from '../fixtures/app-recorder.js';
import { startJavaLikeServer } from '../fixtures/java-like-server.js';
import { startLagMonitor } from '../fixtures/timing.js';

const SWEEP = 150;

test('keepAlive terminates a client whose link stalls within two sweeps, and keeps a live one', async (t) => {
  const disconnects: number[] = [];
  const server = await startJavaLikeServer({ keepAliveMs: SWEEP, onConnection: (e) => e === 'disconnect' && disconnects.push(Date.now()) });
  t.after(() => server.close());
  const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: server.port } });
  t.after(() => proxy.close());
  const lag = startLagMonitor();
  t.after(() => lag.stop());

  // A raw ws client: it answers protocol pings by itself, and sends nothing of its own.
  const client = new WebSocket(`ws://127.0.0.1:${proxy.port}/`);
  t.after(() => client.terminate());
  client.on('error', () => {});
  let pings = 0;
  client.on('ping', () => pings++);
  await withTimeout(new Promise((resolve) => client.once('open', resolve)), 2_000, 'client open');
  await waitFor(() => server.clients === 1, { timeoutMs: 1_000 });

  // A ping goes out only to a peer the sweep found alive, one interval after it last showed life (its
  // pong): the third ping proves that the pongs to the first two were seen and the peer was kept.
  await waitFor(() => pings >= 3, { timeoutMs: 3 * SWEEP + 2_000, message: 'fewer than 3 keepAlive pings reached the client' });
  assert.equal(server.clients, 1, 'a peer answering pings survives the sweeps');
  assert.equal(server.keepAlive?.stats().terminated, 0);

  proxy.stall(); // the client's pongs (and everything else) are held from now on
  const stalledAt = Date.now();
  await waitFor(() => disconnects.length === 1, { timeoutMs: 2 * SWEEP + 2_000, message: 'server never dropped the stalled peer' });
  const elapsed = (disconnects[0] ?? Infinity) - stalledAt;
  const slack = lag.slack();
  assert.ok(elapsed <= 2 * SWEEP + slack, `terminated after ${elapsed} ms; two sweeps are ${2 * SWEEP} ms + slack ${slack}`);
  assert.equal(server.keepAlive?.stats().terminated, 1);
  assert.equal(server.clients, 0);
});

test('keepAlive answers application pings for clients that cannot see protocol pings; both sides drop a dead link', async (t) => {
  // A server with no application logic at all: keepAlive is the only thing talking.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  );
  await withTimeout(new Promise((resolve) => wss.once('listening', resolve)), 2_000, 'listening');
  const address = wss.address();
  assert.ok(typeof address === 'object' && address !== null);
  const sweep = keepAlive(wss, { interval: SWEEP, answer: { ping: 'HeartCheck', pong: 'WebsocketLive' } });
  t.after(() => sweep.stop());
  const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: address.port } });
  t.after(() => proxy.close());

  const app = recordApp(`ws://127.0.0.1:${proxy.port}/`, fastOptions());
  t.after(() => app.close());
  await app.waitFor('open', 2_000);
  await app.waitFor('heartbeat:', 2_000, 2);
  assert.deepEqual(app.messages, [], 'pongs are not application messages');
  assert.equal(sweep.stats().terminated, 0);

  proxy.stall();
  await app.waitFor('state:open>reconnecting:heartbeat-timeout', 3_000);
  await waitFor(() => sweep.stats().terminated === 1, { timeoutMs: 2 * SWEEP + 2_000 });
  proxy.heal();
  await app.waitFor('open', 3_000, 2);
  await waitFor(() => wss.clients.size === 1, { timeoutMs: 2_000 });
});
