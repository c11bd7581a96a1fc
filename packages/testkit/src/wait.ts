// Bounded real-time waiting helpers for integration tests: poll, await one event, record events.

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many ms (real time). */
  timeoutMs: number;
  /** Poll period in ms. @default 10 */
  intervalMs?: number;
  /** Prefix of the error thrown on timeout. @default 'waitFor timed out' */
  message?: string;
}

/**
 * Poll `predicate` until it returns a truthy value (or a promise of one) and resolve with that value.
 * Rejects after `timeoutMs`; an exception thrown by the predicate rejects at once.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  options: WaitForOptions,
): Promise<NonNullable<T>> {
  const { timeoutMs, intervalMs = 10, message = 'waitFor timed out' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value as NonNullable<T>;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`${message} (after ${timeoutMs} ms)`);
    await sleep(Math.min(intervalMs, left));
  }
}

/** Resolve after `ms` of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Race `promise` against a deadline; the timer never outlives the race. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message = 'timed out'): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (after ${timeoutMs} ms)`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

type Handler = (...args: unknown[]) => void;

/**
 * Subscribe `handler` to `event` on anything event-shaped and return an unsubscribe function:
 * a Node `EventEmitter` (`on`/`off`), an object whose `on(type, fn)` returns an unsubscribe function
 * (as `LifelineSocket.on`), or an `EventTarget`-like (`addEventListener`/`removeEventListener`).
 */
export function listen(emitter: object, event: string, handler: Handler): () => void {
  const e = emitter as {
    on?: (type: string, fn: Handler) => unknown;
    off?: (type: string, fn: Handler) => unknown;
    removeListener?: (type: string, fn: Handler) => unknown;
    addEventListener?: (type: string, fn: Handler) => void;
    removeEventListener?: (type: string, fn: Handler) => void;
  };
  const remove = e.off ?? e.removeListener;
  if (typeof e.on === 'function' && typeof remove === 'function') {
    e.on.call(emitter, event, handler);
    return () => void remove.call(emitter, event, handler);
  }
  if (typeof e.on === 'function') {
    const unsubscribe = e.on.call(emitter, event, handler);
    if (typeof unsubscribe === 'function') return () => void (unsubscribe as () => unknown)();
    throw new TypeError(`listen: on('${event}') returned no unsubscribe function`);
  }
  if (typeof e.addEventListener === 'function' && typeof e.removeEventListener === 'function') {
    const add = e.addEventListener;
    const removeListener = e.removeEventListener;
    add.call(emitter, event, handler);
    return () => removeListener.call(emitter, event, handler);
  }
  throw new TypeError('listen: not an event emitter');
}

/**
 * Resolve with the first argument of the next `event` on `emitter` (see {@link listen} for the
 * shapes accepted); reject after `timeoutMs`.
 */
export function once<T = unknown>(emitter: object, event: string, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`once('${event}') timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = listen(emitter, event, (...args: unknown[]) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(args[0] as T);
    });
  });
}

/** One recorded event: its type, its first argument and the real time it arrived. */
export interface Recorded<T = unknown> {
  type: string;
  event: T;
  at: number;
}

/** The handle returned by {@link collect}. */
export interface Collector {
  /** Every event so far, in arrival order. */
  readonly events: Recorded[];
  /** Event types so far, in arrival order. */
  types(): string[];
  /** The recorded payloads of one event type, in order. */
  of<T = unknown>(type: string): T[];
  /** Resolve with the `n`th (1-based, counted from the start) event of `type`, or reject after `timeoutMs`. */
  waitFor<T = unknown>(type: string, timeoutMs: number, n?: number): Promise<Recorded<T>>;
  /** Stop recording. Idempotent. */
  stop(): void;
}

/** Record every occurrence of `types` on `emitter`, in order, until `stop()`. */
export function collect(emitter: object, types: readonly string[]): Collector {
  const events: Recorded[] = [];
  const unsubscribers = types.map((type) =>
    listen(emitter, type, (...args: unknown[]) => {
      events.push({ type, event: args[0], at: Date.now() });
    }),
  );
  let stopped = false;
  return {
    events,
    types: () => events.map((e) => e.type),
    of: <T>(type: string) => events.filter((e) => e.type === type).map((e) => e.event as T),
    async waitFor<T>(type: string, timeoutMs: number, n = 1) {
      try {
        const found = await waitFor(() => events.filter((e) => e.type === type)[n - 1], { timeoutMs });
        return found as Recorded<T>;
      } catch {
        const seen = events.map((e) => e.type).join(', ');
        throw new Error(`collect: event '${type}' #${n} did not arrive within ${timeoutMs} ms; saw [${seen}]`);
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      for (const u of unsubscribers) u();
    },
  };
}
