// The demo in real Chromium: a dropped link resumes with no gap; a killed server shows a discontinuity.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromiumSkipReason, launchChromium, startExampleServer, testIdText, waitFor, waitForTestId, withTimeout, type ChromiumSession } from '@lifeline/testkit';

interface PageEvent {
  type: string;
  at: number;
  id?: string;
  resumed?: boolean;
  reason?: string;
}

interface Delivered {
  session: string;
  seq: number;
  type: string;
}

const pageEvents = (session: ChromiumSession): Promise<PageEvent[]> =>
  session.page.evaluate(() => (window.__demo?.events ?? []) as unknown as PageEvent[]);

const delivered = (session: ChromiumSession): Promise<Delivered[]> => session.page.evaluate(() => window.__demo?.stream ?? []);

const sendStatus = (session: ChromiumSession, text: string): Promise<string | undefined> =>
  session.page.evaluate(
    (t) => [...document.querySelectorAll<HTMLElement>('[data-testid="sends"] li')].find((li) => li.dataset.text === t)?.dataset.status,
    text,
  );

/** Every sequence number a session delivered, checked to be 1, 2, 3, … with none missing or repeated. */
function assertContiguous(stream: Delivered[], session: string): number[] {
  const seqs = stream.filter((d) => d.session === session).map((d) => d.seq);
  assert.ok(seqs.length > 0, `no messages delivered in session ${session}`);
  seqs.forEach((seq, i) => {
    if (i > 0) assert.equal(seq, (seqs[i - 1] ?? 0) + 1, `seq ${seq} follows ${seqs[i - 1]} in session ${session}`);
  });
  return seqs;
}

async function lastSeqAbove(session: ChromiumSession, than: number, timeoutMs: number): Promise<number> {
  return Number(await waitForTestId(session, 'last-seq', (t) => Number(t) > than, timeoutMs));
}

async function post(url: string): Promise<unknown> {
  const response = await withTimeout(fetch(url, { method: 'POST' }), 5_000, `POST ${url}`);
  assert.equal(response.status, 200, `POST ${url}`);
  return response.json();
}

test('demo: recovers from a dropped link (resumed, no gap) and a killed server (discontinuity)', { skip: chromiumSkipReason(), timeout: 90_000 }, async (t) => {
  const server = await startExampleServer('examples/demo/server.ts', { DEMO_TEST: '1', TICK_MS: '100' });
  t.after(() => server.close());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const { page } = browser;
  const base = () => `http://127.0.0.1:${server.port}`;

  await page.goto(`${base()}/`);
  await waitForTestId(browser, 'state', 'open', 10_000);
  const firstSession = await waitForTestId(browser, 'session-id', (s) => s.length > 8, 5_000);
  await lastSeqAbove(browser, 3, 5_000);

  await t.test('dropped connections: the session resumes and no seq is missing', async () => {
    const before = Number(await testIdText(page, 'last-seq'));
    const resumesBefore = (await pageEvents(browser)).filter((e) => e.type === 'session' && e.resumed).length;
    const { dropped } = (await post(`${base()}/fault/drop-connections`)) as { dropped: number };
    assert.equal(dropped, 1);

    await waitFor(async () => (await pageEvents(browser)).filter((e) => e.type === 'session' && e.resumed).length > resumesBefore, {
      timeoutMs: 10_000,
      message: 'the session did not resume',
    });
    await lastSeqAbove(browser, before + 5, 5_000);
    assert.equal(await testIdText(page, 'session-id'), firstSession);
    assert.equal(await testIdText(page, 'resumed'), 'resumed, nothing lost');
    assert.equal(await testIdText(page, 'gaps'), '0');
    assert.equal(await testIdText(page, 'discontinuities'), '0');
    assertContiguous(await delivered(browser), firstSession);
    const events = await pageEvents(browser);
    assert.ok(events.some((e) => e.type === 'statechange' && (e as { to?: string }).to === 'reconnecting'), 'the link was really lost');
  });

  await t.test('SIGKILL + restart: a new session shown as a discontinuity; a note sent while down is acknowledged once', async () => {
    server.kill('SIGKILL');
    await server.exited;
    await waitForTestId(browser, 'state', /^(reconnecting|connecting)$/, 5_000);

    const text = `while-down-${Date.now()}`;
    await page.getByTestId('message-input').fill(text);
    await page.getByTestId('send-button').click();
    assert.equal(await sendStatus(browser, text), 'pending');
    await waitForTestId(browser, 'outbox', '1', 2_000);

    await server.restart(); // same port, empty memory: the old session is unknown there
    await waitForTestId(browser, 'state', 'open', 15_000);
    await waitForTestId(browser, 'discontinuities', '1', 5_000);
    assert.match((await testIdText(page, 'resumed')) ?? '', /^not resumed: unknown-session$/);
    const secondSession = await waitForTestId(browser, 'session-id', (s) => s !== firstSession && s.length > 8, 5_000);
    const discontinuity = await page.evaluate(
      () => document.querySelector<HTMLElement>('[data-testid="stream"] li[data-kind="discontinuity"]')?.dataset.reason,
    );
    assert.equal(discontinuity, 'unknown-session');

    await waitFor(async () => (await sendStatus(browser, text)) === 'acknowledged', { timeoutMs: 10_000, message: 'the note was not acknowledged' });
    await waitForTestId(browser, 'outbox', '0', 2_000);
    await lastSeqAbove(browser, 5, 5_000);

    // Exactly once on the server, and the new session's stream has no gap either.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const response = await withTimeout(fetch(`${base()}/debug/received`), 5_000, 'GET /debug/received');
    const received = (await response.json()) as { text: string; session: string }[];
    const copies = received.filter((r) => r.text === text);
    assert.equal(copies.length, 1, `the server applied ${copies.length} copies`);
    assert.equal(copies[0]?.session, secondSession);
    assert.equal(await testIdText(page, 'gaps'), '0');
    assertContiguous(await delivered(browser), secondSession);
    // The note was broadcast back to the wall, once.
    const notes = await page.evaluate(
      (t) => [...document.querySelectorAll('[data-testid="stream"] li[data-kind="note"]')].filter((li) => li.textContent?.includes(t)).length,
      text,
    );
    assert.equal(notes, 1);
  });
});
