// Monotonic time helpers (CLOCK_MONOTONIC, comparable across processes on one host) and bounded waits.

/** Monotonic now in nanoseconds. */
export const nowNs = (): bigint => process.hrtime.bigint();
/** Monotonic now in milliseconds (fractional). */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` every `everyMs` until it returns true or `timeoutMs` passes; resolves to whether it did. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const end = nowMs() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (nowMs() >= end) return false;
    await sleep(everyMs);
  }
}

/** Reject after `ms` with a message naming what was being waited for. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** CPU time of this process (all threads), user + system, in µs. */
export function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}
