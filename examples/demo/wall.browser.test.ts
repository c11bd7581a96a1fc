// The demo's wall in real Chromium: device channels recover across a dropped link and say so after a restart, two tabs see each other come and go, an RPC cut mid-flight runs once.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromiumSkipReason, launchChromium, startExampleServer, waitFor, withTimeout, type ChromiumSession } from '@lifeline/testkit';
import type { Page } from 'playwright-core';

interface Wall {
  devices: Record<string, { offsets: number[]; subscribed: Array<{ recovered?: boolean; reason?: string }> }>;
  viewers: string[];
  left: Record<string, number | null>;
  calls: Array<{ status: string; ms?: number; error?: string }>;
}

const wallOf = (page: Page): Promise<Wall> => page.evaluate(() => JSON.parse(JSON.stringify(window.__demo?.wall ?? {})) as Wall);
const viewerOf = (page: Page): Promise<string> => page.evaluate(() => window.__demo?.viewer ?? '');

async function post(url: string): Promise<void> {
  const response = await withTimeout(fetch(url, { method: 'POST' }), 5_000, `POST ${url}`);
  assert.equal(response.status, 200, `POST ${url}`);
}

/** Offsets of one device in the current epoch stretch: each one past the last, none twice. */
function assertInOrder(offsets: readonly number[], from: number, channel: string): void {
  for (let i = from + 1; i < offsets.length; i++) assert.equal(offsets[i], (offsets[i - 1] ?? 0) + 1, `${channel}: offset ${offsets[i]} after ${offsets[i - 1]}`);
}

test('demo wall: channels, presence of two tabs, an RPC under a cut', { skip: chromiumSkipReason(), timeout: 90_000 }, async (t) => {
  const server = await startExampleServer('examples/demo/server.ts', { DEMO_TEST: '1', TICK_MS: '100', PRESENCE_GRACE_MS: '1000', CALL_MS: '1500' });
  t.after(() => server.close());
  const browser: ChromiumSession = await launchChromium();
  t.after(() => browser.close());
  const { page, context } = browser;
  const base = () => `http://127.0.0.1:${server.port}`;
  await page.goto(`${base()}/`);
  const flowing = async (p: Page, above: number): Promise<void> => {
    await waitFor(async () => Object.values((await wallOf(p)).devices).every((d) => d.offsets.length > above), { timeoutMs: 10_000, message: 'device readings did not flow' });
  };
  await flowing(page, 3);

  await t.test('a dropped link: every device channel recovers, in order, nothing twice', async () => {
    const before = await wallOf(page);
    await post(`${base()}/fault/drop-connections`);
    await waitFor(async () => Object.values((await wallOf(page)).devices).every((d) => d.subscribed.length > 1), { timeoutMs: 10_000, message: 'no resubscribe' });
    const counts = Object.fromEntries(Object.entries(before.devices).map(([ch, d]) => [ch, d.offsets.length]));
    await waitFor(async () => Object.entries((await wallOf(page)).devices).every(([ch, d]) => d.offsets.length > (counts[ch] ?? 0) + 5), { timeoutMs: 10_000, message: 'no readings after the drop' });
    for (const [ch, d] of Object.entries((await wallOf(page)).devices)) {
      assert.equal(d.subscribed.at(-1)?.recovered, true, `${ch} recovered`);
      assertInOrder(d.offsets, 0, ch);
    }
  });

  await t.test('two tabs see each other; a closed tab leaves after the grace period with its last-seen', async () => {
    const me = await viewerOf(page);
    const other = await context.newPage();
    await other.goto(`${base()}/`);
    const them = await viewerOf(other);
    assert.notEqual(me, them, 'each tab is its own viewer');
    await waitFor(async () => (await wallOf(page)).viewers.includes(them), { timeoutMs: 10_000, message: 'the second tab never showed up' });
    assert.ok((await wallOf(other)).viewers.includes(me), 'the second tab sees the first');
    const closedAt = Date.now();
    await other.close();
    await waitFor(async () => (await wallOf(page)).left[them] !== undefined, { timeoutMs: 10_000, message: 'the closed tab never left' });
    const wall = await wallOf(page);
    assert.ok(!wall.viewers.includes(them));
    const seen = wall.left[them];
    assert.ok(typeof seen === 'number' && Math.abs(seen - closedAt) < 5_000, `last seen ${String(seen)} near ${closedAt}`);
    assert.match((await page.getByTestId('viewers').textContent()) ?? '', new RegExp(`${them} left, last seen`));
  });

  await t.test('an RPC whose link is cut while it runs still answers, and ran once', async () => {
    await page.getByTestId('rpc-button').click();
    await new Promise((resolve) => setTimeout(resolve, 300)); // the call is running on the server
    await post(`${base()}/fault/drop-connections`);
    await waitFor(async () => (await wallOf(page)).calls.at(-1)?.status !== 'pending', { timeoutMs: 15_000, message: 'the call never settled' });
    assert.equal((await wallOf(page)).calls.at(-1)?.status, 'done');
    const calls = (await (await withTimeout(fetch(`${base()}/debug/calls`), 5_000, 'GET /debug/calls')).json()) as Record<string, number>;
    assert.deepEqual(Object.values(calls), [1], `runs per call: ${JSON.stringify(calls)}`);
  });

  await t.test('a killed and restarted server: the devices say they could not recover (epoch-changed), then flow again', async () => {
    server.kill('SIGKILL');
    await server.exited;
    await server.restart();
    await waitFor(async () => Object.values((await wallOf(page)).devices).every((d) => d.subscribed.some((s) => s.reason === 'epoch-changed')), {
      timeoutMs: 20_000,
      message: 'no explicit epoch-changed after the restart',
    });
    const counts = Object.fromEntries(Object.entries((await wallOf(page)).devices).map(([ch, d]) => [ch, d.offsets.length]));
    await waitFor(async () => Object.entries((await wallOf(page)).devices).every(([ch, d]) => d.offsets.length > (counts[ch] ?? 0) + 3), { timeoutMs: 10_000, message: 'no readings after the restart' });
    const bad = await page.evaluate(() => document.querySelectorAll('.tile[data-bad="true"]').length);
    assert.ok(bad > 0, 'the tiles show that they could not recover');
  });
});
