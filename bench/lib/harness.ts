// Helpers scenarios share: spawning pinned server/load/fleet/proxy children inside a scope that
// always kills them, starting contender servers, connecting raw fleets, shuffling trial order.

import type { ContenderId, ServerConfig } from '../contenders/types.js';
import type { Ctx } from '../scenarios/types.js';
import { Child, LOAD_CORE, SERVER_CORE } from './procs.js';
import type { ConnectArgs, LoadRead } from './load-role.js';
import { Histogram } from './hist.js';

/** Children started inside one scope are all killed by `close()`, whatever happened. */
export class Scope {
  private readonly children: Child[] = [];
  constructor(private readonly ctx: Ctx) {}

  async spawn(role: 'server' | 'load' | 'fleet' | 'proxy', name: string, core: number): Promise<Child> {
    const c = await Child.start({ role, name, core, entry: this.ctx.entry });
    this.children.push(c);
    return c;
  }

  server(name: string): Promise<Child> {
    return this.spawn('server', name, SERVER_CORE);
  }
  load(name: string): Promise<Child> {
    return this.spawn('load', name, LOAD_CORE);
  }
  fleet(name: string): Promise<Child> {
    return this.spawn('fleet', name, LOAD_CORE);
  }
  /** `ctx.sizes.loadProcs` raw load processes. */
  loads(name: string): Promise<Child[]> {
    return Promise.all(Array.from({ length: this.ctx.sizes.loadProcs }, (_, i) => this.load(`${name} load${i + 1}`)));
  }

  async close(): Promise<void> {
    await Promise.all(this.children.splice(0).map((c) => c.kill()));
  }
}

/** Run `fn` with a fresh scope and always clean it up. */
export async function scoped<T>(ctx: Ctx, fn: (s: Scope) => Promise<T>): Promise<T> {
  const s = new Scope(ctx);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

export async function startServer(child: Child, id: ContenderId, config: ServerConfig, key = 'main'): Promise<number> {
  return (await startServerAt(child, id, config, key)).port;
}

/** Start a server and also return when it started listening (stamped in the child, monotonic ms). */
export function startServerAt(child: Child, id: ContenderId, config: ServerConfig, key = 'main'): Promise<{ port: number; listeningAt: number }> {
  return child.call<{ port: number; listeningAt: number }>('start', { key, id, config }, 60_000);
}

/** Connect `total` raw clients split evenly over `loads`; returns how many are connected and the wall time. */
export async function connectRaw(loads: Child[], id: ContenderId, port: number, total: number, concurrency: number, variant?: string): Promise<{ connected: number; ms: number }> {
  const per = Math.ceil(total / loads.length);
  const results = await Promise.all(
    loads.map((l, i) => {
      const count = Math.max(0, Math.min(per, total - i * per));
      const args: ConnectArgs = { id, port, count, concurrency, timeoutMs: 60_000, ...(variant ? { variant } : {}) };
      return l.call<{ connected: number; ms: number }>('connect', args, 90_000);
    }),
  );
  return { connected: results.reduce((a, r) => a + r.connected, 0), ms: Math.max(...results.map((r) => r.ms)) };
}

export async function readLoads(loads: Child[]): Promise<{ count: number; hist: Histogram; cpuUs: number; wallMs: number; beats: number; deliveries: number }> {
  const reads = await Promise.all(loads.map((l) => l.call<LoadRead>('read')));
  const hist = new Histogram();
  for (const r of reads) hist.merge(new Histogram(r.hist));
  return {
    count: reads.reduce((a, r) => a + r.count, 0),
    hist,
    cpuUs: reads.reduce((a, r) => a + r.cpuUs, 0),
    wallMs: Math.max(...reads.map((r) => r.wallMs)),
    beats: reads.reduce((a, r) => a + r.beats, 0),
    deliveries: reads.reduce((a, r) => a + r.deliveries, 0),
  };
}

/**
 * Run one contender's part of a sequential scenario; a failure is noted and the scenario goes on
 * with the next contender (the missing numbers still fail the run).
 */
export async function isolated(ctx: Ctx, notes: string[], what: string, fn: (s: Scope) => Promise<void>): Promise<void> {
  try {
    await scoped(ctx, fn);
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e);
    notes.push(`${what} failed: ${msg.slice(0, 300)}`);
    ctx.log(`${what} failed: ${msg.slice(0, 300)}`);
  }
}

/** Fisher-Yates; trials run contenders in a fresh random order each (§10.1 rule 7). */
export function shuffled<T>(xs: readonly T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = a[i];
    a[i] = a[j] as T;
    a[j] = t as T;
  }
  return a;
}

export interface Mem {
  rss: number;
  heapUsed: number;
}
