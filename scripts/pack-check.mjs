#!/usr/bin/env node
// Checks the public packages as a consumer gets them: pack each (its prepack builds it), lint the
// tarballs (publint, @arethetypeswrong/cli), install them into a temporary project outside the repo,
// run a real server and client from Node ESM, type-check a strict consumer under moduleResolution
// `bundler` and `node16`, and bundle a browser entry. Usage: node scripts/pack-check.mjs

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const PACKAGES = ['core', 'protocol', 'socket', 'client', 'server', 'vue', 'react'];
/** The bindings' peers, at the versions the repo develops against (read from its node_modules). */
const peer = (name) => `^${JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version}`;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const work = mkdtempSync(join(tmpdir(), 'lifeline-consumer-'));
const started = Date.now();

function run(cmd, args, cwd, options = {}) {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000, ...options });
  } catch (error) {
    const out = `${error.stdout ?? ''}${error.stderr ?? ''}`;
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${out}`);
  }
}

function step(name, fn) {
  const t = Date.now();
  fn();
  console.log(`ok   ${name} (${Date.now() - t} ms)`);
}

try {
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  step('pack (prepack builds dist)', () => {
    for (const p of PACKAGES) run('npm', ['pack', '--silent', '--pack-destination', tarballs], join(root, 'packages', p));
  });
  const files = readdirSync(tarballs).filter((f) => f.endsWith('.tgz'));
  if (files.length !== PACKAGES.length) throw new Error(`expected ${PACKAGES.length} tarballs, got ${files.join(', ')}`);

  step('publint', () => {
    for (const p of PACKAGES) run(bin('publint'), ['--strict', join(root, 'packages', p)], root);
  });
  step('arethetypeswrong (ESM only)', () => {
    for (const f of files) run(bin('attw'), ['--profile', 'esm-only', '--format', 'table', join(tarballs, f)], root);
  });

  const app = join(work, 'app');
  mkdirSync(app);
  const deps = Object.fromEntries(files.map((f) => [`@lifeline/${f.replace(/^lifeline-/, '').replace(/-\d+\.\d+\.\d+\.tgz$/, '')}`, `file:${join(tarballs, f)}`]));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { ...deps, ws: '^8.23.0', vue: peer('vue'), react: peer('react'), '@types/react': peer('@types/react') } }, null, 2));
  step('install the tarballs outside the repo', () => run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], app));

  writeFileSync(
    join(app, 'smoke.mjs'),
    `import { WebSocket } from 'ws';
import { createLifelineServer } from '@lifeline/server/ws';
import { LifelineClient } from '@lifeline/client';
import { LifelineSocket } from '@lifeline/socket';
import { keepAlive } from '@lifeline/socket/server';
import { PROTOCOL_VERSION } from '@lifeline/protocol';
import { systemClock } from '@lifeline/core';
if (typeof LifelineSocket !== 'function' || typeof keepAlive !== 'function' || PROTOCOL_VERSION !== 1 || typeof systemClock.now !== 'function') throw new Error('exports missing');
const server = createLifelineServer({ port: 0, host: '127.0.0.1', origins: 'any', rpc: { methods: { add: ({ a, b }) => a + b } } });
await server.listening;
server.on('message', (session, data) => void session.send({ echo: data }));
const client = new LifelineClient('ws://127.0.0.1:' + server.port, { WebSocket });
const echoed = new Promise((resolve) => client.on('message', resolve));
await client.send('hi');
const echo = await echoed;
const sum = await client.call('add', { a: 2, b: 3 });
const feed = client.subscribe('feed');
const got = new Promise((resolve) => feed.on('publication', resolve));
await new Promise((resolve) => feed.on('subscribed', resolve));
await server.publish('feed', 'pub');
const pub = await got;
if (echo.echo !== 'hi' || sum !== 5 || pub !== 'pub') throw new Error('round trip failed: ' + JSON.stringify({ echo, sum, pub }));
client.close();
await server.close({ drain: 0 });
console.log('smoke ok');
`,
  );
  step('run a server and a client from Node ESM', () => {
    const out = run(process.execPath, ['smoke.mjs'], app, { timeout: 30_000 });
    if (!out.includes('smoke ok')) throw new Error(out);
  });

  writeFileSync(
    join(app, 'consumer.ts'),
    `import { LifelineClient, type Subscription } from '@lifeline/client';
import { createSessionEngine, type Session } from '@lifeline/server';
import { createLifelineServer } from '@lifeline/server/ws';
import { LifelineSocket } from '@lifeline/socket';
import type { Schema } from '@lifeline/protocol';
interface App extends Schema { up: { text: string }; down: { n: number }; channels: { feed: number }; rpc: { add: { params: { a: number; b: number }; result: number } } }
export async function main(): Promise<void> {
  const server = createLifelineServer<App>({ port: 0, origins: 'any' });
  server.on('message', (session: Session<App>, data) => void session.send({ n: data.text.length }));
  const engine = createSessionEngine<App>({ origins: 'any' });
  engine.handle('add', ({ a, b }) => a + b);
  const client = new LifelineClient<App>('ws://localhost:1');
  const sub: Subscription<number> = client.subscribe('feed');
  sub.on('publication', (n) => n.toFixed(1));
  const sum: number = await client.call('add', { a: 1, b: 2 });
  const socket: WebSocket | LifelineSocket = new LifelineSocket('ws://localhost:1');
  void sum; void socket; void client.send({ text: 'x' });
}
`,
  );
  writeFileSync(
    join(app, 'bindings.ts'),
    `import { LifelineClient } from '@lifeline/client';
import type { Schema } from '@lifeline/protocol';
import { createLifeline, createLifelineComposables, type LifelinePlugin } from '@lifeline/vue';
import { LifelineProvider, createLifelineHooks, type ChannelView } from '@lifeline/react';
import { createApp, defineComponent, h } from 'vue';
import { createElement, type ReactElement } from 'react';
interface App extends Schema { up: { text: string }; channels: { feed: number }; rpc: { add: { params: { a: number; b: number }; result: number } } }
const vue = createLifelineComposables<App>();
const react = createLifelineHooks<App>();
export function vueApp(): void {
  const plugin: LifelinePlugin<App> = createLifeline<App>({ url: 'ws://localhost:1' });
  const Feed = defineComponent({
    setup() {
      const feed = vue.useChannel('feed');
      const add = vue.useCall('add');
      const send = vue.useSend();
      void add.call({ a: 1, b: 2 }).then((n: number) => n.toFixed(0));
      void send({ text: 'x' });
      return () => h('p', String(feed.last.value?.data.toFixed(1)));
    },
  });
  createApp(Feed).use(plugin);
}
export function Feed(): ReactElement {
  const feed: ChannelView<number> = react.useChannel('feed');
  const { ready } = react.useConnection();
  const add = react.useCall('add');
  const sum: number | undefined = add.result;
  return createElement('p', null, String(ready), String(feed.last?.data.toFixed(1)), String(sum));
}
export const root = createElement(LifelineProvider<App>, { client: new LifelineClient<App>('ws://localhost:1') }, createElement(Feed));
`,
  );
  const tsc = bin('tsc');
  const common = { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', lib: ['ES2022', 'DOM'], types: [] };
  writeFileSync(join(app, 'tsconfig.bundler.json'), JSON.stringify({ compilerOptions: { ...common, module: 'ESNext', moduleResolution: 'bundler' }, files: ['consumer.ts', 'bindings.ts'] }));
  writeFileSync(join(app, 'tsconfig.node16.json'), JSON.stringify({ compilerOptions: { ...common, module: 'node16', moduleResolution: 'node16' }, files: ['consumer.ts', 'bindings.ts'] }));
  step('type-check a strict consumer (moduleResolution bundler)', () => run(tsc, ['-p', 'tsconfig.bundler.json'], app));
  step('type-check a strict consumer (moduleResolution node16)', () => run(tsc, ['-p', 'tsconfig.node16.json'], app));

  writeFileSync(join(app, 'browser.js'), "import { LifelineClient } from '@lifeline/client';\nimport { LifelineSocket } from '@lifeline/socket';\nimport { createLifeline, useChannel } from '@lifeline/vue';\nimport { LifelineProvider, useConnection } from '@lifeline/react';\nglobalThis.lifeline = { LifelineClient, LifelineSocket, vue: { createLifeline, useChannel }, react: { LifelineProvider, useConnection } };\n");
  step('bundle a browser entry (no Node built-ins)', () => run(bin('esbuild'), ['browser.js', '--bundle', '--platform=browser', '--format=esm', '--minify', '--outfile=out/browser.js'], app));
  console.log(`pack-check passed in ${Date.now() - started} ms`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
