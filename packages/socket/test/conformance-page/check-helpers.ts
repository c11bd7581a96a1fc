// What the conformance checks share: the check shape, bounded waits, and ways to describe what happened.

/** Where the checks connect; the test's server answers on `url` by `?mode=`. */
export interface CheckEnv {
  /** `ws://127.0.0.1:<port>/ws`: echoes text and binary, picks the first offered subprotocol. */
  readonly url: string;
  /** The same endpoint as a relative URL, resolved against the page. */
  readonly relative: string;
  /** A port nothing listens on. */
  readonly refusedUrl: string;
}

/** One check: what code written for `WebSocket` observes, as JSON-comparable data. */
export interface Check {
  readonly name: string;
  /** The item of the drop-in issue it covers (0: general). */
  readonly item: number;
  run(Ctor: typeof WebSocket, env: CheckEnv): Promise<unknown>;
}

const WAIT_MS = 3_000;

/** The next `type` event of `ws`, or 'timeout' after `ms`. */
export function next(ws: WebSocket, type: string, ms = WAIT_MS): Promise<Event | 'timeout'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    ws.addEventListener(type, (e) => (clearTimeout(timer), resolve(e)), { once: true });
  });
}

export const tick = (ms = 50): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What a call threw: 'none', or the error's name and whether it is a DOMException. */
export function thrown(fn: () => unknown): string {
  try {
    fn();
    return 'none';
  } catch (error) {
    const name = error instanceof Error || error instanceof DOMException ? error.name : typeof error;
    return `${name}${error instanceof DOMException ? ` (DOMException ${error.code})` : ''}`;
  }
}

/** A socket opened on `url`; rejects if it does not open in time. */
export async function opened(Ctor: typeof WebSocket, url: string, protocols?: string | string[]): Promise<WebSocket> {
  const ws = protocols === undefined ? new Ctor(url) : new Ctor(url, protocols);
  if ((await next(ws, 'open')) === 'timeout') throw new Error(`${url} did not open`);
  return ws;
}

/** Close `ws` and wait for its close event (bounded). */
export async function closed(ws: WebSocket): Promise<void> {
  if (ws.readyState === ws.CLOSED) return;
  const done = next(ws, 'close');
  ws.close();
  await done;
}

/** The close event's fields and readyState then, or 'timeout'. */
export function closeInfo(ws: WebSocket, e: Event | 'timeout'): unknown {
  if (!(e instanceof Event)) return e;
  const c = e as CloseEvent;
  return { code: c.code, reason: c.reason, wasClean: c.wasClean, readyState: ws.readyState };
}

/** Record `types` events of `ws` as short strings with the readyState at dispatch. */
export function record(ws: WebSocket, types: readonly string[]): string[] {
  const log: string[] = [];
  for (const type of types) {
    ws.addEventListener(type, (e) => {
      const c = e as CloseEvent;
      log.push(type === 'close' ? `close:${c.code}:${c.reason}:${c.wasClean}@${ws.readyState}` : `${type}@${ws.readyState}`);
    });
  }
  return log;
}

