// Child processes of a run: pinned with taskset, driven over IPC, and all killed on exit, error or signal.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { IpcResponse } from './ipc.js';
import { withTimeout } from './time.js';

/** Which core servers and load generators go to (performance.md §10.1 rule 1). */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

/** Whether `taskset` exists and works here; checked once. */
export const pinning: { available: boolean; note: string } = (() => {
  const r = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
  return r.status === 0
    ? { available: true, note: `servers on CPU ${SERVER_CORE}, load on CPU ${LOAD_CORE} (taskset)` }
    : { available: false, note: 'taskset unavailable: processes are NOT pinned; ratios are noisier' };
})();

const live = new Set<ChildProcess>();

/** Kill every child still alive (SIGKILL also ends stopped ones). Safe to call repeatedly. */
export function killAll(): void {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}
process.on('exit', killAll);

export interface SpawnOptions {
  /** Role argument passed to the child entry. */
  role: string;
  /** Human-readable name for errors. */
  name: string;
  core: number;
  /** The bundled child entry (see build.ts). */
  entry: string;
  /** Extra environment. */
  env?: Record<string, string>;
}

/** Start-ups in flight at once: a burst of node boots on 2 cores would starve everything else. */
const MAX_CONCURRENT_STARTS = 3;
let starting = 0;
const startQueue: Array<() => void> = [];
async function acquireStart(): Promise<void> {
  if (starting < MAX_CONCURRENT_STARTS) {
    starting++;
    return;
  }
  await new Promise<void>((resolve) => startQueue.push(resolve));
}
function releaseStart(): void {
  const next = startQueue.shift();
  if (next) next();
  else starting--;
}

/** A running child with a typed request channel. */
export class Child {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private stderrTail = '';
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
  ) {
    proc.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-4000);
    });
    proc.on('message', (m: unknown) => {
      if (typeof m !== 'object' || m === null || !('id' in m)) return;
      const r = m as IpcResponse;
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.value);
      else p.reject(new Error(`${this.name}: ${r.error}`));
    });
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        live.delete(proc);
        this.exitCode = code;
        const err = new Error(`${this.name} exited (code ${code}, signal ${signal}) ${this.stderrTail}`);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        resolve(code);
      });
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** Start a child, pinned to `core` when taskset exists, and wait for its ready message. */
  static async start(o: SpawnOptions): Promise<Child> {
    await acquireStart();
    try {
      return await Child.startNow(o);
    } finally {
      releaseStart();
    }
  }

  private static async startNow(o: SpawnOptions): Promise<Child> {
    const nodeArgs = ['--expose-gc', '--max-semi-space-size=16', o.entry, o.role];
    const [cmd, args] = pinning.available
      ? ['taskset', ['-c', String(o.core), process.execPath, ...nodeArgs]]
      : [process.execPath, nodeArgs];
    const proc = spawn(cmd, args, {
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'advanced',
      env: { ...process.env, ...o.env },
    });
    live.add(proc);
    const child = new Child(o.name, proc);
    const ready = new Promise<void>((resolve, reject) => {
      const onMsg = (m: unknown): void => {
        if (typeof m === 'object' && m !== null && 'ready' in m) {
          proc.off('message', onMsg);
          resolve();
        }
      };
      proc.on('message', onMsg);
      void child.exited.then(() => reject(new Error(`${o.name} died during start-up: ${child.stderrTail}`)));
    });
    await withTimeout(ready, 60_000, `${o.name} start-up`);
    return child;
  }

  /** Send a command and wait for its answer (bounded). */
  call<T>(cmd: string, args: unknown = null, timeoutMs = 60_000): Promise<T> {
    if (!this.alive) return Promise.reject(new Error(`${this.name} is not running`));
    const id = this.nextId++;
    const p = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proc.send({ id, cmd, args });
    });
    return withTimeout(p, timeoutMs, `${this.name}.${cmd}`) as Promise<T>;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.proc.kill(sig);
  }

  /** SIGKILL and wait until the process is gone (bounded). */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.proc.kill('SIGKILL');
    await withTimeout(this.exited, 5_000, `${this.name} exit`).catch(() => undefined);
  }
}

/** Kill a set of children, ignoring the ones already gone. */
export async function killEach(children: Iterable<Child | undefined>): Promise<void> {
  await Promise.all([...children].map((c) => c?.kill()));
}
