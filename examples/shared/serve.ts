// What every example server shares: env parsing, the page bundle, static routes, listen and shutdown.

import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export { listen } from './listen.js';

/** Read an integer env variable; exits with a clear message on garbage (an example, not a library). */
export function envInt(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    console.error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

/** The page of an example: its HTML and the browser bundle of its script. */
export interface PageAssets {
  html: string;
  js: string;
}

/**
 * Bundle `page.ts` for the browser with esbuild (the `lifeline-source` condition maps
 * `@lifeline/*` to their TypeScript sources, so no build step is needed) and read `index.html`.
 */
export async function loadPage(dir: URL): Promise<PageAssets> {
  const entry = fileURLToPath(new URL('page.ts', dir));
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['lifeline-source'],
    sourcemap: 'inline',
    write: false,
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]?.text;
  if (js === undefined) throw new Error(`esbuild produced no output for ${entry}`);
  const html = await readFile(new URL('index.html', dir), 'utf8');
  return { html, js };
}

/** Answer `GET /`, `GET /page.js` (and an empty favicon) from `assets`; returns false for anything else. */
export function servePage(assets: PageAssets, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/' || path === '/index.html') {
    send(res, 200, 'text/html; charset=utf-8', assets.html);
    return true;
  }
  if (path === '/favicon.ico') {
    res.writeHead(204, { 'cache-control': 'max-age=86400' }).end();
    return true;
  }
  if (path === '/page.js') {
    send(res, 200, 'text/javascript; charset=utf-8', assets.js);
    return true;
  }
  return false;
}

/** Write a complete response; examples never cache, so a restarted server always serves fresh code. */
export function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}


/**
 * Run `stop` once on SIGTERM or SIGINT, then exit; a stop that hangs is cut short after `graceMs`.
 * With `LIFELINE_EXIT_ON_STDIN_END=1` (set by the test harness, which holds our stdin) the server
 * also stops when its parent goes away, so a crashed test run leaves no server behind.
 */
export function onShutdown(stop: () => Promise<void> | void, graceMs = 3_000): void {
  let stopping = false;
  const shutdown = (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`SHUTDOWN ${why}`);
    setTimeout(() => process.exit(1), graceMs).unref();
    Promise.resolve()
      .then(stop)
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  if (process.env.LIFELINE_EXIT_ON_STDIN_END === '1') {
    process.stdin.on('end', () => shutdown('stdin-end'));
    process.stdin.on('error', () => shutdown('stdin-error'));
    process.stdin.resume();
  }
}
