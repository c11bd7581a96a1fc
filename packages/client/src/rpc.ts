// The client's RPC: calls kept by id across reconnects and fresh sessions, answered once, with a timeout.

import { TimerSlot, type Clock } from '@lifeline/core';
import { isIdentityPresence, type IdentityPresence, type Json, type ServerDataMessage } from '@lifeline/protocol';
import { LifelineError } from './errors.js';
import type { OutboxEntry } from './outbox.js';

/** Options of {@link LifelineClient.call}. */
export interface CallOptions {
  /** Milliseconds before the call rejects with `timeout` (the server may still run it, once). @default 30000 */
  timeout?: number;
}

/** What the calls need from the client. */
export interface CallsHost {
  readonly clock: Clock;
  /** Build the call's `msg` (its key is the call id); throws what `send()` rejects with. */
  prepare(params: Json, id: string, method: string): OutboxEntry;
  /** Keep and send it until acked; rejects as `send()` does (a refusal among them). */
  add(entry: OutboxEntry): Promise<void>;
  generateId(): string;
}

interface Pending {
  readonly method: string;
  readonly params: Json;
  readonly resolve: (result: Json) => void;
  readonly reject: (error: LifelineError) => void;
  readonly timer: TimerSlot;
  /** The server acknowledged the call's message: only its answer is awaited. */
  acked: boolean;
}

/** The `$presence` answer, checked: identities the server let us see, with their presence. */
export function presenceOf(result: Json): Record<string, IdentityPresence> {
  const out: Record<string, IdentityPresence> = {};
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return out;
  for (const [id, value] of Object.entries(result)) if (isIdentityPresence(value)) out[id] = value;
  return out;
}

/** Default of {@link CallOptions.timeout}. */
export const DEFAULT_CALL_TIMEOUT = 30_000;

/**
 * A call is a session message with the method and a call id as its idempotency key, so it is resent
 * after a resume and runs at most once. A call acknowledged but not answered when a fresh session
 * begins is sent again with the same id: the server answers with the first outcome.
 */
export class ClientCalls {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly host: CallsHost) {}

  /** Calls waiting for an answer. */
  get size(): number {
    return this.pending.size;
  }

  call(method: string, params: Json, options: CallOptions = {}): Promise<Json> {
    if (typeof method !== 'string' || method.length === 0 || method.length > 256) return Promise.reject(new TypeError('call: method must be a string of 1 to 256 characters'));
    const timeout = options.timeout ?? DEFAULT_CALL_TIMEOUT;
    if (!(timeout > 0)) return Promise.reject(new RangeError('call: timeout must be a positive number of ms'));
    const id = this.host.generateId();
    let entry: OutboxEntry;
    try {
      entry = this.host.prepare(params, id, method);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<Json>((resolve, reject) => {
      const timer = new TimerSlot(this.host.clock);
      const p: Pending = { method, params: entry.data, resolve, reject, timer, acked: false };
      this.pending.set(id, p);
      timer.set(timeout, () => this.settle(id, new LifelineError('timeout', `call ${method} got no answer within ${timeout} ms`)));
      this.track(id, p, entry);
    });
  }

  /** The server's answer to call `m.re`. */
  answered(m: ServerDataMessage & { readonly re: string }): void {
    const p = this.pending.get(m.re);
    if (!p) return;
    if (m.err) this.settle(m.re, new LifelineError(m.err.code, `call ${p.method} failed: ${m.err.message}`, m.err.data === undefined ? {} : { data: m.err.data }));
    else this.settle(m.re, undefined, m.data);
  }

  /** A fresh session: calls the old one acknowledged but never answered are asked again, with the same id. */
  fresh(): void {
    for (const [id, p] of this.pending) {
      if (!p.acked) continue;
      let entry: OutboxEntry;
      try {
        entry = this.host.prepare(p.params, id, p.method);
      } catch (error) {
        this.settle(id, error instanceof LifelineError ? error : new LifelineError('too-large', String(error)));
        continue;
      }
      p.acked = false;
      this.track(id, p, entry);
    }
  }

  /** Reject every waiting call (the client stopped). */
  rejectAll(error: LifelineError): void {
    for (const id of [...this.pending.keys()]) this.settle(id, error);
  }

  private track(id: string, p: Pending, entry: OutboxEntry): void {
    this.host.add(entry).then(
      () => {
        if (this.pending.get(id) === p) p.acked = true;
      },
      (error: unknown) => {
        if (this.pending.get(id) === p) this.settle(id, error instanceof LifelineError ? error : new LifelineError('closed', String(error)));
      },
    );
  }

  private settle(id: string, error: LifelineError | undefined, result?: Json): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.timer.clear();
    if (error) p.reject(error);
    else p.resolve(result ?? null);
  }
}
