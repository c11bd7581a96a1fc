// WebSocket conformance in real Chromium: the same API checks against the native WebSocket and LifelineSocket must agree,
// except for the deliberate differences listed here and in docs/SOCKET-DROP-IN.md.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { test } from 'node:test';
import { chromiumSkipReason, launchChromium, waitForTestId, withTimeout } from '@lifeline/testkit';
import { WebSocketServer } from 'ws';
import { listen, loadPage, servePage } from '../../../examples/shared/serve.js';
import type { CheckEnv } from './conformance-page/check-helpers.js';
import type { CheckResult } from './conformance-page/page.js';

/** A deliberate difference: why, and exactly what each side observes in its check. */
interface Deliberate {
  readonly why: string;
  readonly native: unknown;
  readonly lifeline: unknown;
}

const INVALID_STATE = 'InvalidStateError (DOMException 11)';

/** Where LifelineSocket differs on purpose, by check name (each one is in docs/SOCKET-DROP-IN.md). */
export const DELIBERATE: Readonly<Record<string, Deliberate>> = {
  'send() while connecting': {
    why: 'messages sent before the link opens wait in the outbox and go out, in order, on open',
    native: { results: [INVALID_STATE, INVALID_STATE], echoed: [] },
    lifeline: { results: ['none', 'none'], echoed: ['early', '123'] },
  },
  'send() of 1,500 messages while connecting': {
    why: 'the outbox is bounded (1000 messages / 1 MiB by default) and overflow is an error, never a silent drop',
    native: `message 0: ${INVALID_STATE}`,
    lifeline: 'message 1000: OutboxOverflowError',
  },
  'send() after close()': {
    why: 'a message sent after close() or after giving up would be lost; LifelineSocket says so (reconnect() revives it)',
    native: 'none',
    lifeline: INVALID_STATE,
  },
  'the server closes with a retryable code (1001)': {
    why: 'a lost link is re-established: readyState goes back to CONNECTING and open fires again',
    native: { first: ['open@1', 'close:1001:going away:true@3'], after: 3, reopened: false },
    lifeline: { first: ['open@1', 'close:1001:going away:true@0'], after: 0, reopened: true },
  },
  'a refused connection': {
    why: 'a failed attempt is retried with backoff (maxAttempts: 0 gives up at once, like the platform)',
    native: { log: ['error@3', 'close:1006::false@3'], after: 3 },
    lifeline: { log: ['error@0', 'close:1006::false@0'], after: 0 },
  },
  'close(undefined, reason)': {
    why: 'Chromium converts an explicit undefined code to 0 and throws; LifelineSocket follows WebIDL and the WebSocket standard (no code + a reason: 1000)',
    native: { result: 'InvalidAccessError (DOMException 15)', close: { code: 1005, reason: '', wasClean: true, readyState: 3 } },
    lifeline: { result: 'none', close: { code: 1000, reason: 'only a reason', wasClean: true, readyState: 3 } },
  },
  'close() with a fractional code': {
    why: 'Chromium truncates the code; LifelineSocket applies WebIDL [Clamp] as the WebSocket standard says (nearest, ties to even)',
    native: [3000, 3000, 4999],
    lifeline: [3000, 3001, 'InvalidAccessError (DOMException 15)'],
  },
  'events are trusted': {
    why: 'script cannot create trusted events: isTrusted is false on every event LifelineSocket dispatches',
    native: true,
    lifeline: false,
  },
};

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

test('conformance: native WebSocket and LifelineSocket agree in Chromium', { skip: chromiumSkipReason(), timeout: 180_000 }, async (t) => {
  const assets = await loadPage(new URL('./conformance-page/', import.meta.url));
  const http = createServer((req, res) => {
    if (!servePage(assets, req, res)) res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server: http, path: '/ws', handleProtocols: (offered) => offered.values().next().value ?? false });
  wss.on('connection', (ws, req) => {
    ws.on('error', () => {}); // the checks close abruptly on purpose; `close` follows
    const mode = new URL(req.url ?? '/', 'http://localhost').searchParams.get('mode');
    if (mode === 'close-4003') return ws.close(4003, 'forbidden');
    if (mode === 'close-1001') return ws.close(1001, 'going away');
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  const port = await listen(http, 0, '127.0.0.1');
  t.after(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await closeServer(http);
  });
  // A port that refuses: bound, then released.
  const probe = createServer();
  const refusedPort = await listen(probe, 0, '127.0.0.1');
  await closeServer(probe);

  const browser = await launchChromium();
  t.after(() => browser.close());
  const { page } = browser;
  await page.goto(`http://127.0.0.1:${port}/`);
  await waitForTestId(browser, 'state', 'ready', 10_000);

  const env: CheckEnv = { url: `ws://127.0.0.1:${port}/ws`, relative: '/ws', refusedUrl: `ws://127.0.0.1:${refusedPort}/` };
  const run = (subject: 'native' | 'lifeline') =>
    withTimeout(
      page.evaluate(({ subject, env }) => window.__conformance?.run(subject, env) ?? Promise.reject(new Error('no conformance hook')), { subject, env }),
      120_000,
      `running the ${subject} checks`,
    );
  const checks = await page.evaluate(() => window.__conformance?.checks ?? []);
  assert.ok(checks.length > 0, 'the page lists its checks');
  const native = await run('native');
  const lifeline = await run('lifeline');
  if (process.env.LIFELINE_CONFORMANCE_DUMP) writeFileSync(process.env.LIFELINE_CONFORMANCE_DUMP, JSON.stringify({ native, lifeline }, null, 2));

  for (const { name, item } of checks) {
    const deliberate = DELIBERATE[name];
    await t.test(`${deliberate ? 'differs on purpose' : 'agrees'}${item ? ` (item ${item})` : ''}: ${name}`, () => {
      const n: CheckResult | undefined = native[name];
      const l: CheckResult | undefined = lifeline[name];
      assert.ok(n && 'ok' in n, `the native check did not finish: ${JSON.stringify(n)}\n${browser.logs.slice(-10).join('\n')}`);
      assert.ok(l && 'ok' in l, `the LifelineSocket check did not finish: ${JSON.stringify(l)}\n${browser.logs.slice(-10).join('\n')}`);
      if (!deliberate) return assert.deepEqual(l.ok, n.ok);
      assert.deepEqual(n.ok, deliberate.native, 'the native side of a deliberate difference');
      assert.deepEqual(l.ok, deliberate.lifeline, `LifelineSocket's side of a deliberate difference (${deliberate.why})`);
    });
  }
  await t.test('every deliberate difference is a check the page runs', () => {
    const names = new Set(checks.map((c) => c.name));
    assert.deepEqual(Object.keys(DELIBERATE).filter((name) => !names.has(name)), []);
  });
});
