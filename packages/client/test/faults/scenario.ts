// Shared fault-run harness: fixture server process, optional fault proxy, one recording client, checker.
//
// A run: warm-up → fault (the scenario's nemesis) → heal → continue → stop sending → SIGUSR2 the server
// to stop its stream → drain (outbox empty, every send settled, the final session's last server send
// delivered; all bounded) → merge the client's and the server's histories → checkHistory.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { LifelineClient } from '@lifeline/client';
import { nullEnvironment } from '@lifeline/socket';
import {
  checkHistory,
  formatHistoryCheck,
  mergeHistories,
  sleep,
  startServerProcess,
  startTcpProxy,
  waitFor,
  type HistoryCheck,
  type HistoryEvent,
  type ServerProcess,
  type TcpProxy,
} from '@lifeline/testkit';

/** Heartbeat the fixture announces; the client's dead-link deadline is their sum. */
export const HEARTBEAT = { interval: 200, timeout: 300 } as const;
/** The client gives up on a link after this long without a frame. */
export const DEADLINE_MS = HEARTBEAT.interval + HEARTBEAT.timeout;
/** Period of the client's `c-<n>` sends. */
export const SEND_MS = 10;
/** Period of the fixture's `s-<pid>-<n>` stream. */
export const STREAM_MS = 20;

const FIXTURE = fileURLToPath(new URL('./fixture-server.ts', import.meta.url));

/** `ws` shaped as the browser constructor, compression off as on any Node client (reliability.md §0). */
class NodeWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { perMessageDeflate: false });
  }
}

/** A client state change as the harness recorded it. */
export interface StateChange {
  readonly t: number;
  readonly from: string;
  readonly to: string;
  readonly reason: string | undefined;
}

/** Everything a scenario needs while it runs, and the evidence it leaves behind. */
export interface FaultRun {
  readonly server: ServerProcess;
  /** Present when the run goes through the fault proxy. */
  readonly proxy: TcpProxy | undefined;
  readonly client: LifelineClient;
  /** Client-side history (sends, acks, fails, deliveries, welcomes) plus nemesis events. */
  readonly clientEvents: HistoryEvent[];
  readonly states: StateChange[];
  /** Record a nemesis event (fault start/stop) at the current time. */
  nemesis(action: string, fault: string): number;
  /** Wait for a client welcome after index `from` of the welcomes seen (bounded). */
  waitForWelcome(fromCount: number, timeoutMs: number): Promise<WelcomeSeen>;
  /** Welcomes seen so far, in order. */
  readonly welcomes: WelcomeSeen[];
  /** Wait until the client has been open for a while and messages flow both ways (bounded). */
  waitForFlow(timeoutMs: number): Promise<void>;
}

export interface WelcomeSeen {
  readonly t: number;
  readonly id: string;
  readonly resumed: boolean;
  readonly reason: string | undefined;
}

/** The outcome of {@link runFaultScenario}. */
export interface FaultResult {
  readonly check: HistoryCheck;
  readonly summary: string;
  readonly history: HistoryEvent[];
  readonly states: StateChange[];
  readonly welcomes: WelcomeSeen[];
}

export interface FaultScenarioOptions {
  readonly name: string;
  /** Connect through the fault proxy rather than straight to the server. */
  readonly viaProxy: boolean;
  /** Warm-up before the fault. @default 500 */
  readonly warmupMs?: number;
  /** Traffic after the fault has healed and the client is back. @default 500 */
  readonly settleMs?: number;
  /** Bound of the final drain. @default 10000 */
  readonly drainTimeoutMs?: number;
  /** Extra environment for the fixture server (e.g. `PLANT_BUG` for the harness self-check). */
  readonly serverEnv?: Record<string, string>;
  /** The fault itself; it must heal before it returns. */
  readonly fault: (run: FaultRun) => Promise<void>;
}

interface ServerLine {
  ev: string;
  t: number;
  id?: string;
  session?: string;
  resumed?: boolean;
  reason?: string | null;
}

function parseServerLines(lines: readonly string[]): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    let v: ServerLine;
    try {
      v = JSON.parse(line) as ServerLine;
    } catch {
      continue;
    }
    const { t, id, session } = v;
    if (v.ev === 'deliver' && id !== undefined && session !== undefined) events.push({ t, dir: 'c2s', kind: 'deliver', id, session });
    else if (v.ev === 'send' && id !== undefined && session !== undefined) events.push({ t, dir: 's2c', kind: 'send', id, session });
    else if (v.ev === 'session' && session !== undefined) {
      events.push({ t, kind: 'session', side: 'server', session, resumed: v.resumed === true, ...(v.reason ? { reason: v.reason } : {}) });
    }
  }
  return events;
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) return String((error as { code: unknown }).code);
  return error instanceof Error ? error.message : String(error);
}

/**
 * Run one fault scenario end to end and return the checked history. Everything it starts (child
 * process, proxy, client, timers) is stopped before it returns or throws.
 */
export async function runFaultScenario(options: FaultScenarioOptions): Promise<FaultResult> {
  const warmupMs = options.warmupMs ?? 500;
  const settleMs = options.settleMs ?? 500;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;

  const clientEvents: HistoryEvent[] = [];
  const states: StateChange[] = [];
  const welcomes: WelcomeSeen[] = [];
  let server: ServerProcess | undefined;
  let proxy: TcpProxy | undefined;
  let client: LifelineClient | undefined;
  let sender: ReturnType<typeof setInterval> | undefined;
  let pending = 0;
  let deliveries = 0;

  try {
    server = await startServerProcess(FIXTURE, {
      env: {
        HEARTBEAT_INTERVAL: String(HEARTBEAT.interval),
        HEARTBEAT_TIMEOUT: String(HEARTBEAT.timeout),
        STREAM_MS: String(STREAM_MS),
        ...options.serverEnv,
      },
    });
    const srv = server;
    if (options.viaProxy) proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: srv.port } });
    const url = `ws://127.0.0.1:${proxy ? proxy.port : srv.port}`;

    const c = new LifelineClient(url, {
      WebSocket: NodeWebSocket,
      environment: nullEnvironment,
      backoff: { base: 50, cap: 500 },
      connectTimeout: 1_000,
    });
    client = c;
    c.on('session', (info) => {
      const t = Date.now();
      welcomes.push({ t, id: info.id, resumed: info.resumed, reason: info.reason });
      clientEvents.push({ t, kind: 'session', side: 'client', session: info.id, resumed: info.resumed, ...(info.reason ? { reason: info.reason } : {}) });
    });
    c.on('message', (data) => {
      deliveries++;
      const id = typeof data === 'object' && data !== null && !Array.isArray(data) ? data.id : undefined;
      clientEvents.push({
        t: Date.now(),
        dir: 's2c',
        kind: 'deliver',
        id: typeof id === 'string' ? id : JSON.stringify(data),
        session: c.sessionId ?? '(none)',
      });
    });
    c.on('statechange', (change) => {
      states.push({ t: Date.now(), from: change.from, to: change.to, reason: change.reason });
    });

    let n = 0;
    const sendOne = () => {
      const id = `c-${++n}`;
      clientEvents.push({ t: Date.now(), dir: 'c2s', kind: 'send', id });
      pending++;
      c.send({ id }).then(
        () => {
          pending--;
          clientEvents.push({ t: Date.now(), dir: 'c2s', kind: 'ack', id });
        },
        (error: unknown) => {
          pending--;
          clientEvents.push({ t: Date.now(), dir: 'c2s', kind: 'fail', id, reason: errorCode(error) });
        },
      );
    };

    const run: FaultRun = {
      server: srv,
      proxy,
      client: c,
      clientEvents,
      states,
      welcomes,
      nemesis(action, fault) {
        const t = Date.now();
        clientEvents.push({ t, kind: 'nemesis', action, fault });
        return t;
      },
      async waitForWelcome(fromCount, timeoutMs) {
        return waitFor(() => welcomes[fromCount], { timeoutMs, message: `${options.name}: no welcome #${fromCount + 1}` });
      },
      async waitForFlow(timeoutMs) {
        const base = deliveries;
        const acked = () => clientEvents.filter((e) => 'dir' in e && e.kind === 'ack').length;
        const ackBase = acked();
        await waitFor(() => deliveries > base && acked() > ackBase, { timeoutMs, message: `${options.name}: traffic did not flow` });
      },
    };

    await run.waitForWelcome(0, 5_000);
    sender = setInterval(sendOne, SEND_MS);
    await sleep(warmupMs);
    await run.waitForFlow(2_000);

    await options.fault(run);

    await run.waitForFlow(5_000);
    await sleep(settleMs);

    // Stop both streams, then drain.
    clearInterval(sender);
    sender = undefined;
    srv.kill('SIGUSR2');
    await srv.waitForLine((l) => l.includes('"stream-stopped"'), 3_000);
    const drained = await waitFor(
      () => {
        if (pending > 0 || c.outboxSize > 0) return false;
        const events = parseServerLines(srv.lines);
        const final = c.sessionId;
        const lastSend = [...events].reverse().find((e) => 'dir' in e && e.dir === 's2c' && e.kind === 'send' && e.session === final);
        if (!lastSend || !('id' in lastSend)) return true;
        return clientEvents.some((e) => 'dir' in e && e.dir === 's2c' && e.kind === 'deliver' && e.id === lastSend.id);
      },
      { timeoutMs: drainTimeoutMs, message: `${options.name}: drain` },
    ).then(
      () => true,
      () => false,
    );
    // Acked messages were logged by the server before it acked them; give the pipe a moment to catch up.
    const ackedIds = clientEvents.filter((e) => 'dir' in e && e.dir === 'c2s' && e.kind === 'ack').map((e) => ('id' in e ? e.id : ''));
    await waitFor(
      () => {
        const seen = new Set(parseServerLines(srv.lines).filter((e) => 'dir' in e && e.kind === 'deliver').map((e) => ('id' in e ? e.id : '')));
        return ackedIds.every((id) => seen.has(id));
      },
      { timeoutMs: 2_000 },
    ).catch(() => {});

    const history = mergeHistories(parseServerLines(srv.lines), clientEvents);
    const check = checkHistory(history);
    const dumpDir = process.env.LIFELINE_FAULT_HISTORY;
    if (dumpDir) {
      // Opt-in evidence: the merged history (one JSON event per line) and the client's state changes.
      mkdirSync(dumpDir, { recursive: true });
      writeFileSync(join(dumpDir, `${options.name}.history.jsonl`), history.map((e) => JSON.stringify(e)).join('\n') + '\n');
      writeFileSync(join(dumpDir, `${options.name}.states.jsonl`), states.map((e) => JSON.stringify(e)).join('\n') + '\n');
    }
    const detection = states.filter((s) => s.from === 'open').length;
    const summary =
      `${formatHistoryCheck(check, options.name)}\n` +
      `  drained=${drained} outbox=${c.outboxSize} pending=${pending} links-lost=${detection} ` +
      `welcomes=${welcomes.map((w) => `${w.id.slice(0, 6)}:${w.resumed ? 'resumed' : `fresh(${w.reason ?? ''})`}`).join(',')}`;
    return { check, summary, history, states: [...states], welcomes: [...welcomes] };
  } catch (error) {
    const tail = server ? `\n  server stderr: ${server.stderr.slice(-15).join('\n  ')}` : '';
    if (error instanceof Error) error.message += `\n  states: ${states.map((s) => `${s.from}->${s.to}(${s.reason ?? ''})`).join(' ')}${tail}`;
    throw error;
  } finally {
    if (sender) clearInterval(sender);
    try {
      client?.close();
    } catch {
      // closing is best effort; the process harness and proxy cleanup below must still run
    }
    await proxy?.close();
    await server?.close();
  }
}

/** The time from `t0` to the client's first state change away from `open`, if any. */
export function detectionTime(states: readonly StateChange[], t0: number): number | undefined {
  const change = states.find((s) => s.t >= t0 && s.from === 'open');
  return change ? change.t - t0 : undefined;
}
