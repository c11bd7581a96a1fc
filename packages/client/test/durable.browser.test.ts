// The outbox that survives a reload, in real Chromium: IndexedDB storage, a reload in the middle of a burst, each message applied once and none lost.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { test } from 'node:test';
import { createLifelineServer } from '@lifeline/server/ws';
import { chromiumSkipReason, launchChromium, waitFor } from '@lifeline/testkit';
import { listen, loadPage, servePage } from '../../../examples/shared/serve.js';

test('durable outbox: a reload mid-burst loses nothing and applies nothing twice', { skip: chromiumSkipReason(), timeout: 60_000 }, async (t) => {
  const assets = await loadPage(new URL('./durable-page/', import.meta.url));
  const http = createServer((req, res) => {
    if (!servePage(assets, req, res)) res.writeHead(404).end();
  });
  // The test holds back what the server reads, so that part of the burst is sent but not yet acknowledged at the reload.
  const sockets = new Set<Duplex>();
  http.on('upgrade', (_req, socket: Duplex) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await listen(http, 0, '127.0.0.1');
  const server = createLifelineServer({ server: http, path: '/ws', origins: 'same-origin', rateLimit: { perSecond: 10_000, burst: 10_000 } });
  const applied: number[] = [];
  server.on('message', (_s, data) => {
    const n = typeof data === 'object' && data !== null && !Array.isArray(data) ? data.n : undefined;
    if (typeof n === 'number') applied.push(n);
  });
  t.after(async () => {
    await server.close({ drain: 0 });
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
  const browser = await launchChromium();
  t.after(() => browser.close());
  const { page } = browser;
  const ready = () => page.evaluate(() => window.__durable?.ready() === true);

  await page.goto(`http://127.0.0.1:${port}/`);
  await waitFor(ready, { timeoutMs: 10_000, message: 'the client never got a session' });
  await page.evaluate(() => window.__durable?.burst(1, 100));
  await waitFor(async () => applied.length >= 100, { timeoutMs: 10_000, message: 'the first burst was not applied' });

  // Second burst with the server not reading: what storage holds at the reload is sent but unacknowledged.
  for (const socket of sockets) socket.pause();
  await page.evaluate(() => window.__durable?.burst(101, 400));
  await waitFor(async () => ((await page.evaluate(() => window.__durable?.stored())) ?? 0) >= 50, { timeoutMs: 10_000, message: 'the second burst was not stored' });
  const ackedBefore = await page.evaluate(() => window.__durable?.acked ?? 0);
  await page.reload();
  for (const socket of [...sockets]) if (socket.isPaused()) socket.destroy(); // the old page's link, gone with it
  await waitFor(ready, { timeoutMs: 10_000, message: 'the reloaded page never got a session' });
  await waitFor(async () => (await page.evaluate(() => window.__durable?.restored.length ?? 0)) > 0, { timeoutMs: 5_000, message: 'no restore after the reload' });
  const restoredCounts = await page.evaluate(() => window.__durable?.restored ?? []);
  await waitFor(async () => (await page.evaluate(() => window.__durable?.stored())) === 0, { timeoutMs: 15_000, message: 'the storage never emptied' });

  // The history check: applied once each, in send order, and a prefix of what was sent with no hole;
  // everything acknowledged before the reload is in it, and so is everything the storage held.
  const counts = new Map<number, number>();
  for (const n of applied) counts.set(n, (counts.get(n) ?? 0) + 1);
  const duplicated = [...counts].filter(([, c]) => c > 1).map(([n]) => n);
  assert.deepEqual(duplicated, [], 'nothing applied twice');
  const top = Math.max(...applied);
  const missing = Array.from({ length: top }, (_, i) => i + 1).filter((n) => !counts.has(n));
  assert.deepEqual(missing, [], `no hole below ${top}`);
  assert.ok(top >= ackedBefore, `everything acknowledged before the reload was applied (top ${top}, acked ${ackedBefore})`);
  assert.ok((restoredCounts[0] ?? 0) > 0, 'the reload came while stored messages waited for their ack');
  assert.ok(top > ackedBefore, `what was stored but unacknowledged at the reload went after it (top ${top})`);
  console.log(`durable: ${applied.length} applied, top ${top}, ${ackedBefore} acked before the reload, restored ${restoredCounts.join(',')}`);
});
