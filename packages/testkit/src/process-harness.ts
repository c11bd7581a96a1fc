// Runs a TypeScript server script in a child process that tests can kill, freeze and restart.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Options of {@link startServerProcess}. */
export interface ServerProcessOptions {
  /** Port passed to the child as `PORT`; 0 lets the child pick any free port. @default 0 */
  port?: number;
  /** Extra environment variables for the child (on top of this process's environment). */
  env?: Record<string, string>;
  /** Extra command-line arguments after the script path. @default [] */
  args?: string[];
  /** Working directory of the child. @default process.cwd() */
  cwd?: string;
  /** How long to wait for the `LISTENING <port>` line, per start. @default 10000 */
  readyTimeoutMs?: number;
}

/** A server child process. It is killed when this process exits, whatever the test did. */
export interface ServerProcess {
  /** The pid of the current child (changes on `restart()`). */
  readonly pid: number;
  /** The port the child announced; `restart()` reuses it. */
  readonly port: number;
  /** Every stdout line of every incarnation, in order. */
  readonly lines: string[];
  /** Every stderr line of every incarnation, in order (for diagnostics). */
  readonly stderr: string[];
  /** Exit code of the current child, or `null` when a signal ended it. */
  readonly exited: Promise<number | null>;
  /** Send `signal` to the current child. @default 'SIGTERM' */
  kill(signal?: NodeJS.Signals): void;
  /** Freeze the child (SIGSTOP): its sockets stay open, nothing answers. */
  stop(): void;
  /** Unfreeze the child (SIGCONT). */
  cont(): void;
  /** SIGKILL the child, await its exit, then start it again on the same port. */
  restart(): Promise<void>;
  /**
   * Resolve with the first stdout line (searching from index `from`, default 0) that satisfies
   * `predicate`; reject after `timeoutMs`.
   */
  waitForLine(predicate: (line: string) => boolean, timeoutMs: number, from?: number): Promise<string>;
  /** SIGCONT then SIGKILL the child and await its exit (bounded). Idempotent. */
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // SIGKILL works on a stopped process too; no child outlives the test process.
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function tsxSpecifier(): string {
  // An absolute URL so the child finds tsx whatever its working directory.
  try {
    return import.meta.resolve('tsx');
  } catch {
    return 'tsx';
  }
}

const READY = /^LISTENING (\d+)$/;
const KILL_TIMEOUT_MS = 5_000;

interface Incarnation {
  child: ChildProcess;
  exited: Promise<number | null>;
  done: boolean;
}

/**
 * Spawn `node --conditions=lifeline-source --import tsx scriptPath ...args` with `PORT` set, wait for
 * the child to print `LISTENING <port>` and return a handle. The child's stdin is a pipe this process
 * holds; a fixture can exit on its `end` to die with an abruptly killed parent.
 */
export async function startServerProcess(scriptPath: string, options: ServerProcessOptions = {}): Promise<ServerProcess> {
  installExitHook();
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const lines: string[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  let port = options.port ?? 0;
  let current: Incarnation | undefined;
  let closed = false;

  const notify = () => {
    for (const w of [...waiters]) w();
  };

  function spawnChild(): Incarnation {
    const child = spawn(
      process.execPath,
      ['--conditions=lifeline-source', '--import', tsxSpecifier(), scriptPath, ...(options.args ?? [])],
      {
        cwd: options.cwd ?? process.cwd(),
        env: { ...process.env, ...options.env, PORT: String(port) },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    live.add(child);
    const incarnation: Incarnation = {
      child,
      done: false,
      exited: new Promise<number | null>((resolve) => {
        child.once('exit', (code) => {
          live.delete(child);
          incarnation.done = true;
          notify();
          resolve(code);
        });
        child.once('error', () => {
          live.delete(child);
          incarnation.done = true;
          notify();
          resolve(null);
        });
      }),
    };
    child.stdin?.on('error', () => {});
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        notify();
      });
    }
    if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
    return incarnation;
  }

  function waitForLine(predicate: (line: string) => boolean, timeoutMs: number, from = 0, inc?: Incarnation): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (error: Error | undefined, line?: string) => {
        waiters.delete(check);
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(line ?? '');
      };
      const check = () => {
        for (let i = from; i < lines.length; i++) {
          const line = lines[i];
          if (line !== undefined && predicate(line)) return finish(undefined, line);
        }
        if (inc?.done) {
          finish(new Error(`server process exited before the expected line; stderr:\n${stderr.slice(-20).join('\n')}`));
        }
      };
      timer = setTimeout(
        () => finish(new Error(`waitForLine timed out after ${timeoutMs} ms; last stdout: ${lines.slice(-5).join(' | ')}; stderr: ${stderr.slice(-10).join('\n')}`)),
        timeoutMs,
      );
      waiters.add(check);
      check();
    });
  }

  async function start(): Promise<void> {
    const from = lines.length;
    const inc = spawnChild();
    current = inc;
    try {
      const line = await waitForLine((l) => READY.test(l), readyTimeoutMs, from, inc);
      const announced = Number(READY.exec(line)?.[1]);
      if (port !== 0 && announced !== port) throw new Error(`server process listened on ${announced}, expected ${port}`);
      port = announced;
    } catch (error) {
      await killAndWait(inc);
      throw error;
    }
  }

  async function killAndWait(inc: Incarnation): Promise<void> {
    if (inc.done) return;
    inc.child.kill('SIGCONT');
    inc.child.kill('SIGKILL');
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      inc.exited,
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`pid ${inc.child.pid} did not exit after SIGKILL`)), KILL_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  function active(): Incarnation {
    if (!current) throw new Error('server process was never started');
    return current;
  }

  await start();

  return {
    get pid() {
      return active().child.pid ?? -1;
    },
    get port() {
      return port;
    },
    lines,
    stderr,
    get exited() {
      return active().exited;
    },
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      const inc = active();
      if (!inc.done) inc.child.kill(signal);
    },
    stop() {
      const inc = active();
      if (!inc.done) inc.child.kill('SIGSTOP');
    },
    cont() {
      const inc = active();
      if (!inc.done) inc.child.kill('SIGCONT');
    },
    async restart() {
      if (closed) throw new Error('server process is closed');
      await killAndWait(active());
      await start();
    },
    waitForLine(predicate, timeoutMs, from = 0) {
      return waitForLine(predicate, timeoutMs, from);
    },
    async close() {
      closed = true;
      if (current) await killAndWait(current);
    },
  };
}
