// The channel fault scenario: a channel-server.ts child publishing on `feed`, the fault proxy, a ws client subscribed to it, and the recorded history.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { LifelineClient, type Subscription } from '@lifeline/client';
import type { Json } from '@lifeline/protocol';
import { nullEnvironment } from '@lifeline/socket';
import { sleep, startServerProcess, startTcpProxy, waitFor, type ServerProcess, type TcpProxy } from '@lifeline/testkit';
export { detectionTime } from './scenario.js';
import { checkChannelHistory, formatChannelCheck, type ChannelCheck, type ChannelEvent, type ServerPublication } from './channel-checker.js';

/** Heartbeat the fixture announces; the client's dead-link deadline is their sum. */
export const HEARTBEAT = { interval: 200, timeout: 300 } as const;
export const DEADLINE_MS = HEARTBEAT.interval + HEARTBEAT.timeout;
/** Allowance on top of the deadline for timer granularity and a loaded CI box. */
export const SLACK_MS = 700;
/** How long the silent faults last: three times the client's deadline. */
export const FAULT_MS = 1_500;
/** Period of the fixture's publications. */
export const PUBLISH_MS = 10;
export const CHANNEL = 'feed';

export const FIXTURE = fileURLToPath(new URL('./channel-server.ts', import.meta.url));

/** `ws` shaped as the browser constructor, compression off as on any Node client. */
class NodeWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { perMessageDeflate: false });
  }
}

export interface StateChange {
  readonly t: number;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

export interface WelcomeSeen {
  readonly t: number;
  readonly id: string;
  readonly resumed: boolean;
  readonly reason: string | undefined;
}

export type SubscribedEvent = Extract<ChannelEvent, { kind: 'subscribed' }>;
export type PublicationEvent = Extract<ChannelEvent, { kind: 'pub' }>;

/** What a fault needs while it runs. */
export interface ChannelRun {
  readonly server: ServerProcess;
  readonly proxy: TcpProxy;
  readonly client: LifelineClient;
  readonly sub: Subscription;
  /** The client's channel history: every `subscribed` and every publication, in arrival order. */
  readonly events: ChannelEvent[];
  readonly states: StateChange[];
  readonly welcomes: WelcomeSeen[];
  /** Record a fault action at the current time; returns it. */
  nemesis(action: string): number;
  /** `subscribed` events so far. */
  subscribed(): SubscribedEvent[];
  /** Resolve with `subscribed` event #`index` (0-based), bounded. */
  waitForSubscribed(index: number, timeoutMs: number): Promise<SubscribedEvent>;
  /** Resolve once `count` more publications reached the application, bounded. */
  waitForPublications(count: number, timeoutMs: number): Promise<void>;
}

export interface ChannelResult {
  readonly check: ChannelCheck;
  readonly summary: string;
  readonly events: readonly ChannelEvent[];
  readonly subscribed: readonly SubscribedEvent[];
  readonly published: readonly ServerPublication[];
  readonly states: readonly StateChange[];
  readonly welcomes: readonly WelcomeSeen[];
  readonly nemesis: readonly { readonly t: number; readonly action: string }[];
  readonly drained: boolean;
}

export interface ServerLine {
  ev?: unknown;
  pid?: unknown;
  n?: unknown;
  epoch?: unknown;
  offset?: unknown;
}

/** The server's publications, from its `publish` (intent) and `published` (position) lines. */
export function parsePublications(lines: readonly string[]): ServerPublication[] {
  const byKey = new Map<string, ServerPublication>();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    let v: ServerLine;
    try {
      v = JSON.parse(line) as ServerLine;
    } catch {
      continue;
    }
    if (typeof v.pid !== 'number' || typeof v.n !== 'number') continue;
    const key = `${v.pid}:${v.n}`;
    if (v.ev === 'publish' && !byKey.has(key)) byKey.set(key, { pid: v.pid, n: v.n, epoch: undefined, offset: undefined });
    else if (v.ev === 'published' && typeof v.epoch === 'string' && typeof v.offset === 'number') {
      byKey.set(key, { pid: v.pid, n: v.n, epoch: v.epoch, offset: v.offset });
    }
  }
  return [...byKey.values()];
}

/** `{n, pid}` out of a publication, or -1s for anything else (the checker reports it unexpected). */
export function feedData(data: Json): { n: number; pid: number } {
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const { n, pid } = data;
    if (typeof n === 'number' && typeof pid === 'number') return { n, pid };
  }
  return { n: -1, pid: -1 };
}

/**
 * Start the fixture, the proxy and a subscribed client; warm up; run `fault` (it must heal before
 * it returns); let publications flow again; stop the publisher (SIGUSR2); drain (bounded) until the
 * client holds the server's last publication; check. Everything started is stopped before it returns or throws.
 */
export async function runChannelScenario(name: string, fault: (run: ChannelRun) => Promise<void>): Promise<ChannelResult> {
  const events: ChannelEvent[] = [];
  const states: StateChange[] = [];
  const welcomes: WelcomeSeen[] = [];
  const nemesis: { t: number; action: string }[] = [];
  const subStates: string[] = [];
  let server: ServerProcess | undefined;
  let proxy: TcpProxy | undefined;
  let client: LifelineClient | undefined;
  let publications = 0;
  try {
    server = await startServerProcess(FIXTURE, {
      env: { HEARTBEAT_INTERVAL: String(HEARTBEAT.interval), HEARTBEAT_TIMEOUT: String(HEARTBEAT.timeout), PUBLISH_MS: String(PUBLISH_MS) },
    });
    const srv = server;
    proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: srv.port } });
    const c = new LifelineClient(`ws://127.0.0.1:${proxy.port}`, {
      WebSocket: NodeWebSocket,
      environment: nullEnvironment,
      backoff: { base: 50, cap: 500 },
      connectTimeout: 1_000,
    });
    client = c;
    c.on('session', (info) => welcomes.push({ t: Date.now(), id: info.id, resumed: info.resumed, reason: info.reason }));
    c.on('statechange', (change) => states.push({ t: Date.now(), from: change.from, to: change.to, reason: change.reason }));
    const sub = c.subscribe(CHANNEL);
    sub.on('subscribed', (info) => {
      events.push({
        kind: 'subscribed',
        t: Date.now(),
        epoch: info.epoch,
        offset: info.offset,
        ...(info.recovered !== undefined ? { recovered: info.recovered } : {}),
        ...(info.reason !== undefined ? { reason: info.reason } : {}),
      });
    });
    sub.on('publication', (data, meta) => {
      publications++;
      events.push({ kind: 'pub', t: Date.now(), epoch: meta.epoch, offset: meta.offset, ...feedData(data) });
    });
    sub.on('state', (change) => subStates.push(`${change.from}->${change.to}(${change.reason})`));
    sub.on('error', (error) => subStates.push(`error(${error.code})`));

    const subscribed = () => events.filter((e): e is SubscribedEvent => e.kind === 'subscribed');
    const run: ChannelRun = {
      server: srv,
      proxy,
      client: c,
      sub,
      events,
      states,
      welcomes,
      nemesis(action) {
        const t = Date.now();
        nemesis.push({ t, action });
        return t;
      },
      subscribed,
      waitForSubscribed(index, timeoutMs) {
        return waitFor(() => subscribed()[index], { timeoutMs, message: `${name}: no subscribed #${index + 1}` });
      },
      async waitForPublications(count, timeoutMs) {
        const base = publications;
        await waitFor(() => publications >= base + count, { timeoutMs, message: `${name}: ${count} publications did not arrive` });
      },
    };

    await run.waitForSubscribed(0, 5_000);
    // Warm-up: ~300 ms of publications.
    await run.waitForPublications(30, 3_000);

    await fault(run);

    await run.waitForPublications(30, 5_000);
    await sleep(200);

    // Stop the publisher, then drain until the client holds the last publication.
    const from = srv.lines.length;
    srv.kill('SIGUSR2');
    const stoppedLine = await srv.waitForLine((l) => l.includes('"ev":"stopped"'), 3_000, from);
    const stopped = JSON.parse(stoppedLine) as { epoch: string | null; offset: number };
    const drained = await waitFor(
      () => events.some((e) => e.kind === 'pub' && e.epoch === stopped.epoch && e.offset >= stopped.offset),
      { timeoutMs: 5_000, message: `${name}: drain` },
    ).then(
      () => true,
      () => false,
    );

    const published = parsePublications(srv.lines);
    const check = checkChannelHistory(events, published);
    const welcomeText = welcomes.map((w) => `${w.id.slice(0, 6)}:${w.resumed ? 'resumed' : `fresh(${w.reason ?? ''})`}`).join(',');
    const subscribedText = subscribed()
      .map((s) => `${s.epoch.slice(0, 6)}@${s.offset}:${s.recovered === undefined ? 'first' : s.recovered ? 'recovered' : `NOT-recovered(${s.reason ?? ''})`}`)
      .join(',');
    const summary =
      `${formatChannelCheck(check, name)}\n` +
      `  drained=${drained} published=${published.length} (last ${stopped.epoch?.slice(0, 6) ?? '-'}@${stopped.offset}) ` +
      `links-lost=${states.filter((s) => s.from === 'open').length} welcomes=${welcomeText}\n` +
      `  subscribed=${subscribedText}\n  subscription states: ${subStates.join(' ')}`;
    return { check, summary, events: [...events], subscribed: subscribed(), published, states: [...states], welcomes: [...welcomes], nemesis: [...nemesis], drained };
  } catch (error) {
    const tail = server ? `\n  server stderr: ${server.stderr.slice(-15).join('\n  ')}` : '';
    if (error instanceof Error) {
      error.message +=
        `\n  states: ${states.map((s) => `${s.from}->${s.to}(${s.reason})`).join(' ')}` +
        `\n  subscription: ${subStates.join(' ')}\n  last events: ${JSON.stringify(events.slice(-5))}${tail}`;
    }
    throw error;
  } finally {
    try {
      client?.close();
    } catch {
      // closing is best effort; the proxy and process cleanup below must still run
    }
    await proxy?.close();
    await server?.close();
  }
}

/** What a resubscribe after `t0` found: when, whether it recovered, and how many publications the history replayed. */
export function resubscribeAfter(result: ChannelResult, t0: number): { at: number; event: SubscribedEvent; backlog: number } | undefined {
  const index = result.events.findIndex((e) => e.kind === 'subscribed' && e.t >= t0);
  const event = result.events[index];
  if (!event || event.kind !== 'subscribed') return undefined;
  const before = result.events.slice(0, index).filter((e): e is PublicationEvent => e.kind === 'pub' && e.epoch === event.epoch);
  const last = before[before.length - 1]?.offset ?? 0;
  return { at: event.t - t0, event, backlog: event.recovered === true ? event.offset - last : 0 };
}

/** Faults a–c: the server kept its memory, so nothing may be lost and every resubscribe recovers. */
export function assertKeptEverything(result: ChannelResult): void {
  const { check, summary } = result;
  assertNoAnomalies(result);
  assert.equal(check.skipped, 0, summary);
  assert.equal(check.notRecovered.length, 0, `no recovered: false while the server kept its state: ${summary}`);
  assert.equal(check.epochs.length, 1, summary);
  assert.ok(check.valid, summary);
  const [first, ...later] = result.subscribed;
  assert.equal(first?.recovered, undefined, 'the first subscribe has nothing to recover');
  for (const s of later) assert.equal(s.recovered, true, summary);
  // 30 in the warm-up and 30 after the fault at least (a frozen server publishes nothing meanwhile).
  assert.ok(check.received >= 60, `publications flowed: ${summary}`);
}


/** Every fault: drained, and nothing duplicated, reordered, silently skipped, unexpected or lost. */
export function assertNoAnomalies(result: ChannelResult): void {
  const { check, summary } = result;
  assert.ok(result.drained, `drained: ${summary}`);
  assert.equal(check.duplicated, 0, summary);
  assert.equal(check.reordered, 0, summary);
  assert.equal(check.gaps, 0, summary);
  assert.equal(check.unannounced, 0, summary);
  assert.equal(check.badSubscribed, 0, summary);
  assert.equal(check.unexpected, 0, summary);
  assert.equal(check.lost, 0, summary);
}
