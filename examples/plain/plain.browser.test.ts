// The plain example in real Chromium: the page recovers from a killed server and a lost network alone.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromiumSkipReason, launchChromium, startExampleServer, testIdText, waitFor, waitForTestId, type ChromiumSession } from '@lifeline/testkit';

/** Events the page records on `window.__lifeline.events`. */
interface PageEvent {
  type: string;
  at: number;
  to?: string;
  text?: string;
}

const pageEvents = (session: ChromiumSession): Promise<PageEvent[]> =>
  session.page.evaluate(() => (window.__lifeline?.events ?? []) as unknown as PageEvent[]);

const echoRows = (session: ChromiumSession, text: string): Promise<number> =>
  session.page.evaluate(
    (t) => [...document.querySelectorAll('[data-testid="messages"] li[data-kind="echo"]')].filter((li) => li.getAttribute('data-text') === t).length,
    text,
  );

/** Resolve once the counter shown on the page is above `than`, i.e. ticks are flowing. */
async function counterAbove(session: ChromiumSession, than: number, timeoutMs: number): Promise<number> {
  const text = await waitForTestId(session, 'counter', (t) => Number(t) > than, timeoutMs);
  return Number(text);
}

test('plain example: survives a server kill and a lost network without a reload', { skip: chromiumSkipReason(), timeout: 60_000 }, async (t) => {
  const server = await startExampleServer('examples/plain/server.ts', { TICK_MS: '100' });
  t.after(() => server.close());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const { page, context } = browser;

  await page.goto(`http://127.0.0.1:${server.port}/`);
  await waitForTestId(browser, 'state', 'open', 10_000);
  await counterAbove(browser, 0, 5_000);
  assert.equal(await testIdText(page, 'network'), 'online');

  await t.test('SIGKILL and restart on the same port: back to open, queued message echoed once', async () => {
    const reloads = await page.evaluate(() => performance.getEntriesByType('navigation').length);
    server.kill('SIGKILL');
    await server.exited;
    await waitForTestId(browser, 'state', /^(reconnecting|connecting)$/, 5_000);

    const text = `while-down-${Date.now()}`;
    await page.getByTestId('message-input').fill(text);
    await page.getByTestId('send-button').click();
    await waitForTestId(browser, 'outbox', '1', 2_000);

    const from = server.lines.length;
    await server.restart(); // same port; a fresh process whose counter starts again at 1
    await waitForTestId(browser, 'state', 'open', 15_000);
    // Ticks from the new process: the counter restarts, so wait for it to change then grow.
    const seen = Number(await testIdText(page, 'counter'));
    await waitFor(async () => Number(await testIdText(page, 'counter')) !== seen, { timeoutMs: 5_000, message: 'ticks did not resume' });
    await waitFor(async () => (await echoRows(browser, text)) >= 1, { timeoutMs: 5_000, message: 'the queued message was not echoed' });
    await waitForTestId(browser, 'outbox', '0', 2_000);

    // Exactly once, on both ends: the server logged it once, the page shows one echo.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const received = server.lines.slice(from).filter((line) => line === `RECV ${JSON.stringify(text)}`);
    assert.equal(received.length, 1, `server received ${received.length} copies`);
    assert.equal(await echoRows(browser, text), 1);

    const events = await pageEvents(browser);
    assert.ok(events.some((e) => e.type === 'close'), 'a close event was recorded');
    assert.ok(events.some((e) => e.type === 'reconnecting'), 'a reconnecting event was recorded');
    assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), reloads, 'the page was not reloaded');
  });

  await t.test('offline then online: the page reflects it and recovers with ticks flowing', async () => {
    await context.setOffline(true);
    await waitForTestId(browser, 'network', 'offline', 3_000);
    // Chromium keeps open sockets open under offline emulation but holds their traffic; the socket
    // probes on the `offline` event, the probe goes unanswered, and it parks in `offline`.
    await waitForTestId(browser, 'state', 'offline', 10_000);

    await context.setOffline(false);
    await waitForTestId(browser, 'network', 'online', 3_000);
    await waitForTestId(browser, 'state', 'open', 10_000);
    const now = Number(await testIdText(page, 'counter'));
    await counterAbove(browser, now, 5_000);

    const events = await pageEvents(browser);
    const network = events.filter((e) => e.type === 'network');
    assert.ok(network.length >= 2, 'the offline and online events were recorded');
    assert.ok(events.some((e) => e.type === 'statechange' && e.to === 'offline'));
  });
});
