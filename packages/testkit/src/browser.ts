// Headless Chromium (Debian's, driven by playwright-core) and example servers for the browser tests.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServerProcess, type ServerProcess } from './process-harness.js';
import { withTimeout } from './wait.js';

/** Where Chromium is expected; `LIFELINE_CHROMIUM` overrides it. @default '/usr/bin/chromium' */
export const CHROMIUM_PATH = process.env.LIFELINE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Flags for a quiet, deterministic headless run: no sandbox (containers), no GPU, no QUIC, and none
 * of the background traffic (updates, sync) that would race the test's own network emulation.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Why the browser tests cannot run here, for `test(name, { skip })`; `undefined` when they can.
 * With `CI` set a missing Chromium is never a skip: the test runs and fails in {@link launchChromium}.
 */
export function chromiumSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  if (process.env.CI) return undefined;
  return `Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set LIFELINE_CHROMIUM); browser test skipped`;
}

/** A browser with one fresh context and page, plus what the page logged. */
export interface ChromiumSession {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console messages and uncaught page errors, in order, for failure messages. */
  readonly logs: string[];
  /** Close the browser (bounded; idempotent). */
  close(): Promise<void>;
}

/** Options of {@link launchChromium}. */
export interface LaunchOptions {
  /** Bound on launching the browser and opening the page. @default 15000 */
  timeoutMs?: number;
  /** Default timeout of Playwright actions and waits on the page. @default 10000 */
  actionTimeoutMs?: number;
}

/** Launch headless Chromium with {@link CHROMIUM_ARGS} and open a page in a fresh context. */
export async function launchChromium(options: LaunchOptions = {}): Promise<ChromiumSession> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}; CI must install it (apt-get install chromium)`);
  }
  // Loaded here, not at the top: every suite imports the testkit, few of them drive a browser.
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], timeout: timeoutMs });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= withTimeout(browser.close(), 10_000, 'closing Chromium').catch((error: unknown) => {
      console.error(error);
    }));
  try {
    const context = await withTimeout(browser.newContext(), timeoutMs, 'opening a browser context');
    const page = await withTimeout(context.newPage(), timeoutMs, 'opening a page');
    page.setDefaultTimeout(options.actionTimeoutMs ?? 10_000);
    const logs: string[] = [];
    page.on('console', (message) => logs.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => logs.push(`[pageerror] ${error.message}`));
    return { browser, context, page, logs, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Start `script` (a path relative to the repository root) as a killable, restartable child on a free
 * port (see {@link startServerProcess}); it stops by itself if this process dies. Close it in
 * `t.after` or `finally`.
 */
export function startExampleServer(script: string, env: Record<string, string> = {}, readyTimeoutMs = 20_000): Promise<ServerProcess> {
  return startServerProcess(resolve(REPO_ROOT, script), {
    cwd: REPO_ROOT,
    env: { ...env, LIFELINE_EXIT_ON_STDIN_END: '1' },
    readyTimeoutMs,
  });
}

/**
 * Wait until the text of `[data-testid=testId]` satisfies `expected` (equal, matching, or a
 * predicate). Resolves with the text; on timeout rejects with the last text seen and the page's logs.
 */
export async function waitForTestId(
  session: Pick<ChromiumSession, 'page' | 'logs'>,
  testId: string,
  expected: string | RegExp | ((text: string) => boolean),
  timeoutMs: number,
): Promise<string> {
  const test = typeof expected === 'function' ? expected : typeof expected === 'string' ? (t: string) => t === expected : (t: string) => expected.test(t);
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  for (;;) {
    last = await testIdText(session.page, testId).catch(() => undefined); // e.g. mid-navigation
    if (last !== undefined && test(last)) return last;
    if (Date.now() >= deadline) {
      throw new Error(
        `[data-testid="${testId}"] did not become ${String(expected)} within ${timeoutMs} ms; last text: ${JSON.stringify(last)}\n` +
          `page log:\n${session.logs.slice(-20).join('\n')}`,
      );
    }
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** The trimmed text of `[data-testid=testId]`, or `undefined` when there is no such element. */
export async function testIdText(page: Page, testId: string): Promise<string | undefined> {
  const text = await withTimeout(
    page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? null, testId),
    5_000,
    `reading [data-testid="${testId}"]`,
  );
  return text === null ? undefined : text.trim();
}
