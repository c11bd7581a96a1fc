// The attack suite's harness: the attack server in a child process, its reported stats, an honest client beside the attacker.

import type { TestContext } from 'node:test';
import { LifelineClient } from '@lifeline/client';
import type { EngineStats } from '@lifeline/server';
import { nullEnvironment } from '@lifeline/socket';
import { startServerProcess, waitFor, type ServerProcess } from '@lifeline/testkit';
import WebSocket from 'ws';

const FIXTURE = new URL('./attack-server.ts', import.meta.url).pathname;

/** One `stats` line of the attack server. */
export interface ServerStats {
  readonly heap: number;
  readonly rss: number;
  readonly sessions: number;
  readonly connections: number;
  readonly counts: Record<string, number>;
  readonly stats: EngineStats;
}

/** The attack server, and what it reported. */
export interface AttackServer {
  readonly proc: ServerProcess;
  readonly url: string;
  /** The latest stats line. */
  latest(): ServerStats;
  /** Every stats line since `from` (an index into `proc.lines`). */
  since(from: number): ServerStats[];
  /** Wait (bounded) for a stats line that satisfies `predicate`. */
  until(predicate: (s: ServerStats) => boolean, timeoutMs: number, what: string): Promise<ServerStats>;
  /** Lines `{"ev":"log"}`: messages whose data starts with "log:", as `identity:data`. */
  logs(): string[];
}

/** Start the attack server with `limits` (server options) and `env`; it is stopped when the test ends. */
export async function startAttackServer(t: TestContext, limits: Record<string, unknown>, env: Record<string, string> = {}): Promise<AttackServer> {
  const proc = await startServerProcess(FIXTURE, { env: { LIMITS: JSON.stringify(limits), ...env }, readyTimeoutMs: 20_000 });
  t.after(() => proc.close());
  const parse = (line: string): ServerStats | undefined => (line.startsWith('{"ev":"stats"') ? (JSON.parse(line) as ServerStats) : undefined);
  const since = (from: number): ServerStats[] => proc.lines.slice(from).flatMap((l) => parse(l) ?? []);
  const latest = (): ServerStats => {
    for (let i = proc.lines.length - 1; i >= 0; i--) {
      const s = parse(proc.lines[i] ?? '');
      if (s) return s;
    }
    throw new Error('no stats yet');
  };
  await proc.waitForLine((l) => l.startsWith('{"ev":"stats"'), 5_000);
  return {
    proc,
    url: `ws://127.0.0.1:${proc.port}/`,
    latest,
    since,
    until: async (predicate, timeoutMs, what) => {
      const line = await proc.waitForLine((l) => {
        const s = parse(l);
        return s !== undefined && predicate(s);
      }, timeoutMs, Math.max(0, proc.lines.length - 1)).catch(() => {
        throw new Error(`the server never reported ${what}; last: ${JSON.stringify(latest())}`);
      });
      return parse(line) ?? latest();
    },
    logs: () =>
      proc.lines.flatMap((l) => {
        if (!l.startsWith('{"ev":"log"')) return [];
        const { identity, data } = JSON.parse(l) as { identity: string; data: string };
        return [`${identity}:${data}`];
      }),
  };
}

/** An honest client doing one acknowledged send every `everyMs` and counting broadcasts, until stopped. */
export interface Honest {
  readonly client: LifelineClient;
  /** Sends acknowledged so far, and sends that failed. */
  readonly acked: number;
  readonly failed: number;
  /** Server messages received, and fresh sessions after the first (a discontinuity). */
  readonly received: number;
  readonly discontinuities: number;
  stop(): void;
}

export async function honestClient(t: TestContext, url: string, auth?: string, everyMs = 50): Promise<Honest> {
  const client = new LifelineClient(url, { WebSocket, environment: nullEnvironment, ...(auth !== undefined ? { auth: () => auth } : {}) });
  const state = { acked: 0, failed: 0, received: 0, discontinuities: 0, sessions: 0 };
  client.on('error', () => {});
  client.on('message', () => state.received++);
  client.on('session', (info) => {
    if (state.sessions++ > 0 && !info.resumed) state.discontinuities++;
  });
  await waitFor(() => client.ready, { timeoutMs: 5_000, message: 'honest client ready' });
  let n = 0;
  const timer = setInterval(() => {
    client.send(`honest-${++n}`).then(
      () => state.acked++,
      () => state.failed++,
    );
  }, everyMs);
  const stop = (): void => {
    clearInterval(timer);
    client.close();
  };
  t.after(stop);
  return {
    client,
    get acked() {
      return state.acked;
    },
    get failed() {
      return state.failed;
    },
    get received() {
      return state.received;
    },
    get discontinuities() {
      return state.discontinuities;
    },
    stop,
  };
}

/** Heap in MB, for the report lines. */
export function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
