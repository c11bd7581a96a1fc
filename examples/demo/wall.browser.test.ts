// The demo's wall in real Chromium: device channels recover across a dropped link and say so after a restart, two tabs see each other come and go, an RPC cut mid-flight runs once.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromiumSkipReason, launchChromium, startExampleServer, testIdText, waitFor, withTimeout, type ChromiumSession } from '@lifeline/testkit';
import type { Page } from 'playwright-core';
import type { WallState } from './wall-page.js';
import type { CallRun } from './wall.js';

const GRACE_MS = 1_000;
const CALL_MS = 1_500;
const POLL = { intervalMs: 50 } as const;

const wallOf = (page: Page): Promise<WallState> => page.evaluate(() => JSON.parse(JSON.stringify(window.__demo?.wall ?? {})) as WallState);
const viewerOf = (page: Page): Promise<string> => page.evaluate(() => window.__demo?.viewer ?? '');
const sessionsOf = (page: Page): Promise<Array<{ resumed?: boolean; at: number }>> =>
  page.evaluate(() => (window.__demo?.events ?? []).filter((e) => e.type === 'session').map((e) => ({ resumed: e.resumed === true, at: e.at })));
const streamOf = (page: Page): Promise<Array<{ session: string; seq: number; type: string }>> => page.evaluate(() => window.__demo?.stream ?? []);

async function post(url: string): Promise<void> {
  const response = await withTimeout(fetch(url, { method: 'POST' }), 5_000, `POST ${url}`);
  assert.equal(response.status, 200, `POST ${url}`);
}

async function getJson<T>(url: string): Promise<T> {
  const response = await withTimeout(fetch(url), 5_000, `GET ${url}`);
  assert.equal(response.status, 200, `GET ${url}`);
  return (await response.json()) as T;
}

/** Offsets of one device from index `from` on: each one past the last, none twice. */
function assertInOrder(offsets: readonly number[], from: number, channel: string): void {
  for (let i = from + 1; i < offsets.length; i++) assert.equal(offsets[i], (offsets[i - 1] ?? 0) + 1, `${channel}: offset ${offsets[i]} after ${offsets[i - 1]}`);
}

/** Wait until every device delivered more than `counts` (its count then) plus `more`. */
async function moreReadings(page: Page, counts: Record<string, number>, more: number, message: string): Promise<void> {
  await waitFor(async () => Object.entries((await wallOf(page)).devices).every(([ch, d]) => d.offsets.length > (counts[ch] ?? 0) + more), { timeoutMs: 10_000, ...POLL, message });
}

const countsOf = (wall: WallState): Record<string, number> => Object.fromEntries(Object.entries(wall.devices).map(([ch, d]) => [ch, d.offsets.length]));

test('demo wall: channels, presence of two tabs, an RPC under a cut', { skip: chromiumSkipReason(), timeout: 90_000 }, async (t) => {
  const env = { DEMO_TEST: '1', TICK_MS: '100', DEVICES: '3', PRESENCE_GRACE_MS: String(GRACE_MS), CALL_MS: String(CALL_MS) };
  const server = await startExampleServer('examples/demo/server.ts', env);
  t.after(() => server.close());
  const browser: ChromiumSession = await launchChromium();
  t.after(() => browser.close());
  const { page, context } = browser;
  const base = () => `http://127.0.0.1:${server.port}`;
  await page.goto(`${base()}/`);
  await moreReadings(page, {}, 3, 'device readings did not flow');
  assert.deepEqual(Object.keys((await wallOf(page)).devices).sort(), ['device:1', 'device:2', 'device:3'], 'one tile per DEVICES');

  await t.test('a dropped link: every device channel recovers, in order, nothing twice', async () => {
    const before = await wallOf(page);
    const resumes = (await sessionsOf(page)).filter((s) => s.resumed).length;
    await post(`${base()}/fault/drop-connections`);
    await waitFor(async () => (await sessionsOf(page)).filter((s) => s.resumed).length > resumes, { timeoutMs: 10_000, ...POLL, message: 'the session did not resume' });
    await waitFor(async () => Object.values((await wallOf(page)).devices).every((d) => d.subscribed.length > 1), { timeoutMs: 10_000, ...POLL, message: 'no resubscribe' });
    await moreReadings(page, countsOf(before), 5, 'no readings after the drop');
    for (const [ch, d] of Object.entries((await wallOf(page)).devices)) {
      assert.equal(d.subscribed.at(-1)?.recovered, true, `${ch} recovered`);
      assertInOrder(d.offsets, 0, ch);
    }
    assert.match((await page.locator('[data-testid="tile-device:1"] .recovery').textContent()) ?? '', /^recovered after offset \d+, nothing missed$/);
  });

  await t.test('two tabs see each other; a reload keeps the name; a closed tab leaves after the grace period with its last-seen', async () => {
    const me = await viewerOf(page);
    const other = await context.newPage();
    t.after(() => other.close().catch(() => {}));
    await other.goto(`${base()}/`);
    const them = await viewerOf(other);
    assert.notEqual(me, them, 'each tab is its own viewer');
    await waitFor(async () => (await wallOf(page)).viewers.includes(them), { timeoutMs: 10_000, ...POLL, message: 'the second tab never showed up' });
    await waitFor(async () => (await wallOf(other)).viewers.includes(me), { timeoutMs: 5_000, ...POLL, message: 'the second tab does not see the first' });
    assert.match((await page.getByTestId('viewers').textContent()) ?? '', new RegExp(`${me} \\(you\\) online`));

    // A reload: the same name (sessionStorage), and when it is back within the grace period, no flap.
    const reloadAt = Date.now();
    await other.reload();
    assert.equal(await viewerOf(other), them, 'a reload keeps the viewer name');
    await waitFor(async () => (await wallOf(other)).viewers.includes(them), { timeoutMs: 10_000, ...POLL, message: 'the reloaded tab is not back' });
    const backIn = Date.now() - reloadAt;
    if (backIn < GRACE_MS * 0.7) {
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 1_500)); // past the old session's grace and a sweep
      const flaps = (await wallOf(page)).presence.filter((p) => p.id === them && p.at >= reloadAt);
      assert.deepEqual(flaps, [], `back within ${backIn} ms: neither a leave nor a join`);
    } else t.diagnostic(`the reload took ${backIn} ms, too close to the ${GRACE_MS} ms grace to expect no flap`);

    const closedAt = Date.now();
    await other.close();
    const left = await waitFor(async () => (await wallOf(page)).presence.find((p) => p.type === 'leave' && p.id === them && p.at >= closedAt), {
      timeoutMs: 10_000,
      ...POLL,
      message: 'the closed tab never left',
    });
    assert.ok(left.at - closedAt >= GRACE_MS - 100, `left ${left.at - closedAt} ms after the close: not before the ${GRACE_MS} ms grace`);
    const wall = await wallOf(page);
    assert.ok(!wall.viewers.includes(them));
    const seen = wall.left[them];
    assert.ok(typeof seen === 'number' && seen >= closedAt - 1_000 && seen <= left.at, `last seen ${String(seen)}: between the close (${closedAt}) and the leave (${left.at})`);
    assert.match((await page.getByTestId('viewers').textContent()) ?? '', new RegExp(`${them} left, last seen \\d`));
  });

  await t.test('an RPC whose link is cut while it runs still answers, ran once, and the stream shows no gap', async () => {
    const me = await viewerOf(page);
    const mine = async (): Promise<CallRun[]> => Object.values(await getJson<Record<string, CallRun>>(`${base()}/debug/calls`)).filter((c) => c.viewer === me);
    assert.deepEqual(await mine(), []);
    await page.getByTestId('rpc-button').click();
    assert.equal((await wallOf(page)).calls.at(-1)?.status, 'pending');
    // Cut the link only once the server is running the call.
    await waitFor(async () => (await mine()).length === 1, { timeoutMs: 5_000, ...POLL, message: 'the call never reached the server' });
    const resumes = (await sessionsOf(page)).filter((s) => s.resumed).length;
    const droppedAt = Date.now();
    await post(`${base()}/fault/drop-connections`);
    await waitFor(async () => (await sessionsOf(page)).filter((s) => s.resumed).length > resumes, { timeoutMs: 10_000, ...POLL, message: 'the session did not resume' });
    const call = await waitFor(async () => {
      const last = (await wallOf(page)).calls.at(-1);
      return last?.status === 'pending' ? undefined : last;
    }, { timeoutMs: 15_000, ...POLL, message: 'the call never settled' });
    assert.equal(call.status, 'done', `the call: ${JSON.stringify(call)}`);
    assert.equal(call.restarts, 1);
    assert.ok((call.ms ?? 0) >= CALL_MS - 50, `it took ${call.ms} ms, the handler ${CALL_MS} ms`);

    const runs = await mine();
    assert.equal(runs.length, 1, `one call id: ${JSON.stringify(runs)}`);
    const [run] = runs;
    assert.ok(run);
    assert.equal(run.runs, 1, 'ran once');
    assert.ok(run.startedAt <= droppedAt && (run.finishedAt ?? 0) > droppedAt, `the drop (${droppedAt}) fell inside the run (${run.startedAt}..${String(run.finishedAt)})`);

    // The answer took a session seq the `message` listener never sees: the page accounts for it, no gap.
    await waitFor(async () => (await streamOf(page)).some((d) => d.type === 'answer'), { timeoutMs: 5_000, ...POLL, message: 'no message after the answer' });
    assert.equal(await testIdText(page, 'gaps'), '0');
    const session = (await page.evaluate(() => window.__demo?.client.sessionId)) ?? '';
    const seqs = (await streamOf(page)).filter((d) => d.session === session).map((d) => d.seq);
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], (seqs[i - 1] ?? 0) + 1, `seq ${seqs[i]} after ${seqs[i - 1]}`);
    await waitFor(async () => /restarted 1×/.test((await page.locator('[data-testid="tile-device:1"] .status').textContent()) ?? ''), {
      timeoutMs: 5_000,
      ...POLL,
      message: 'the tile does not show the restart',
    });
  });

  await t.test('a killed and restarted server: every device says it could not recover (epoch-changed), then flows again in order', async () => {
    server.kill('SIGKILL');
    await server.exited;
    await server.restart();
    await waitFor(async () => Object.values((await wallOf(page)).devices).every((d) => d.subscribed.at(-1)?.reason === 'epoch-changed'), {
      timeoutMs: 20_000,
      ...POLL,
      message: 'no explicit epoch-changed after the restart',
    });
    await moreReadings(page, countsOf(await wallOf(page)), 3, 'no readings after the restart');
    for (const [ch, d] of Object.entries((await wallOf(page)).devices)) {
      const last = d.subscribed.at(-1);
      assert.ok(last);
      assert.equal(last.recovered, false, `${ch}: recovered false`);
      assert.notEqual(last.epoch, d.subscribed.at(-2)?.epoch, `${ch}: a new epoch`);
      assert.ok((d.offsets[last.at] ?? 0) > last.offset, `${ch}: live again after offset ${last.offset}`);
      assertInOrder(d.offsets, last.at, ch);
      const text = (await page.locator(`[data-testid="tile-${ch}"] .recovery`).textContent()) ?? '';
      assert.match(text, /^NOT RECOVERED \(epoch-changed\)/, `${ch} tile: ${text}`);
    }
    assert.equal(await page.locator('.tile[data-bad="true"]').count(), 3, 'every tile is marked');
  });
});
