// The RPC result seam: each call's outcome per identity and call id for the dedupe window, bounded per identity, and the in-memory default.

import type { CallFailure } from '@lifeline/protocol';

/** How a call ended: its result (serialised JSON) or its failure. */
export type CallOutcome = { readonly ok: true; readonly result: string } | { readonly ok: false; readonly failure: CallFailure };

/**
 * Where calls are remembered, so that a call retried after a reconnect (or into a fresh session)
 * gets its first outcome instead of running again. A call is `reserve`d before it runs and `put`
 * when it ends; once the client acknowledged the outcome it is `settle`d and may make room for a
 * newer call of its quota. A Redis store keeps them with a TTL and a bound per identity.
 */
export interface ResultStore {
  /** Hold a place for call `id` of `identity`, counted against `quota`: false when the quota holds its bound of unsettled calls. */
  reserve(identity: string, id: string, now: number, quota: string): Promise<boolean>;
  /** The outcome of a reserved call. */
  put(identity: string, id: string, outcome: CallOutcome, now: number): Promise<void>;
  /** The outcome of call `id`, `running` while it has none, or undefined when unknown or past the window. */
  get(identity: string, id: string, now: number): Promise<CallOutcome | 'running' | undefined>;
  /** The client has the outcome of call `id`: under pressure it may be forgotten first. */
  settle(identity: string, id: string): void;
  /** Forget what passed the window. Called on sweep ticks; optional. */
  sweep?(now: number): void;
  /** Calls remembered now, when the store can tell cheaply. */
  readonly size?: number;
}

interface Held {
  outcome: CallOutcome | undefined;
  readonly time: number;
  readonly quota: string;
  settled: boolean;
}

/** The default: calls of this process, for `window` ms, at most `maxPerQuota` per quota (its oldest settled call makes room). */
export class InMemoryResultStore implements ResultStore {
  private readonly calls = new Map<string, Held>();
  private readonly quotas = new Map<string, Set<string>>();

  constructor(
    private readonly window: number,
    private readonly maxPerQuota: number,
  ) {}

  get size(): number {
    return this.calls.size;
  }

  reserve(identity: string, id: string, now: number, quota: string): Promise<boolean> {
    const key = keyOf(identity, id);
    let held = this.quotas.get(quota);
    if (!held) this.quotas.set(quota, (held = new Set()));
    if (held.size >= this.maxPerQuota && !this.recycle(held, now)) return Promise.resolve(false);
    const stale = this.calls.get(key);
    if (stale) this.forget(key, stale);
    this.calls.set(key, { outcome: undefined, time: now, quota, settled: false });
    held.add(key);
    return Promise.resolve(true);
  }

  put(identity: string, id: string, outcome: CallOutcome, _now?: number): Promise<void> {
    const held = this.calls.get(keyOf(identity, id));
    if (held) held.outcome = outcome;
    return Promise.resolve();
  }

  get(identity: string, id: string, now: number): Promise<CallOutcome | 'running' | undefined> {
    const held = this.calls.get(keyOf(identity, id));
    if (!held || now - held.time > this.window) return Promise.resolve(undefined);
    return Promise.resolve(held.outcome ?? 'running');
  }

  settle(identity: string, id: string): void {
    const held = this.calls.get(keyOf(identity, id));
    if (held) held.settled = true;
  }

  sweep(now: number): void {
    for (const [key, held] of this.calls) {
      // Insertion order is time order: stop at the first call still inside the window.
      if (now - held.time <= this.window) break;
      this.forget(key, held);
    }
  }

  /** Make room in a full quota: its oldest settled call (or one past the window) goes. */
  private recycle(keys: Set<string>, now: number): boolean {
    for (const key of keys) {
      const held = this.calls.get(key);
      if (held && (held.settled || now - held.time > this.window)) {
        this.forget(key, held);
        return true;
      }
    }
    return false;
  }

  private forget(key: string, held: Held): void {
    this.calls.delete(key);
    const keys = this.quotas.get(held.quota);
    keys?.delete(key);
    if (keys?.size === 0) this.quotas.delete(held.quota);
  }
}

function keyOf(identity: string, id: string): string {
  return `${identity}\u0000${id}`;
}
