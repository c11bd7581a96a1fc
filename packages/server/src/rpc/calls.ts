// RPC as a feature: a call is a session message of its own kind, run once per identity and call id, answered in the session's stream.

import { attempt } from '@lifeline/core';
import { ErrorCode, type CallFailure, type ClientDataMessage, type Json } from '@lifeline/protocol';
import type { Feature } from '../features.js';
import type { LiveSession } from '../session.js';
import { CallError, type CallHandler, type ResolvedRpcOptions } from './options.js';
import type { CallOutcome, ResultStore } from './results.js';

/** What the calls need from the engine. */
export interface CallsDeps {
  readonly options: ResolvedRpcOptions;
  readonly clock: { now(): number };
  readonly results: ResultStore;
  /** Put an answer to call `id` into `session`'s stream (kept until acked, replayed on resume); `acked` runs once the client acks it. */
  answer(session: LiveSession, id: string, outcome: CallOutcome, acked: () => void): void;
  report(error: unknown, context: string): void;
}

/** A call running on this node, and the session its answer goes to (the latest that asked). */
interface Running {
  session: LiveSession;
}

/**
 * A call arrives as a `msg` with `call` (its method) and `key` (its id), so it shares the session's
 * numbering, acks, resends and idempotency keys: the key makes it run at most once per identity
 * within the dedupe window. Its outcome is remembered in the result store and answered as a server
 * `msg` with `re`, which the session keeps until acked; a retry (its key seen before) gets the
 * remembered outcome, or joins the run still going.
 */
export class Calls {
  private readonly running = new Map<string, Running>();
  private readonly perSession = new Map<LiveSession, number>();
  private readonly methods: Map<string, CallHandler>;

  constructor(private readonly deps: CallsDeps) {
    this.methods = new Map(deps.options.methods);
  }

  feature(): Feature {
    return {
      name: 'rpc',
      kinds: {
        call: {
          check: (s, m) => this.check(s, m),
          apply: (s, m) => this.run(s, m),
          repeated: (s, m) => this.repeated(s, m),
        },
      },
      hooks: { ended: (s) => void this.perSession.delete(s) },
    };
  }

  /** Register (or replace, or with undefined remove) the handler of `method`; names starting with `$` are Lifeline's own. */
  handle(method: string, handler: CallHandler | undefined): void {
    if (typeof method !== 'string' || method.length === 0 || method.length > 256) throw new TypeError('handle: method must be a string of 1 to 256 characters');
    if (method.startsWith('$')) throw new TypeError(`handle: '${method}': methods starting with '$' are reserved`);
    if (handler === undefined) this.methods.delete(method);
    else if (typeof handler === 'function') this.methods.set(method, handler);
    else throw new TypeError('handle: handler must be a function');
  }

  /** Register one of Lifeline's own methods (`$presence`). */
  reserve(method: `$${string}`, handler: CallHandler): void {
    this.methods.set(method, handler);
  }

  private check(s: LiveSession, m: ClientDataMessage): ErrorCode | undefined {
    if (!this.methods.has(m.call ?? '')) return ErrorCode.UnknownMethod;
    if ((this.perSession.get(s) ?? 0) >= this.deps.options.maxCallsPerSession) return ErrorCode.TooManyCalls;
    return undefined;
  }

  private run(s: LiveSession, m: ClientDataMessage): void {
    const id = m.key ?? '';
    const method = m.call ?? '';
    const handler = this.methods.get(method);
    const { results, clock } = this.deps;
    const key = runKey(s.identity, id);
    if (this.running.has(key)) return this.repeated(s, m);
    // The check saw the calls running before this read; calls of one read count here.
    if ((this.perSession.get(s) ?? 0) >= this.deps.options.maxCallsPerSession) {
      return this.send(s, id, failure(ErrorCode.TooManyCalls, `at most ${this.deps.options.maxCallsPerSession} calls at once per session`), false);
    }
    const running: Running = { session: s };
    this.running.set(key, running);
    this.count(s, 1);
    const finish = (outcome: CallOutcome, keep: boolean): void => {
      this.running.delete(key);
      this.count(s, -1);
      if (keep) results.put(s.identity, id, outcome, clock.now()).catch((error: unknown) => this.deps.report(error, 'result store put failed'));
      this.send(running.session, id, outcome, keep);
    };
    // A call's key may have been settled and recycled by the dedupe store while its outcome is still
    // held (a client asks again into a fresh session): the result store decides, so it never runs twice.
    attempt(async () => ((await results.get(s.identity, id, clock.now())) !== undefined ? 'known' : results.reserve(s.identity, id, clock.now(), s.principal))).then(
      (room) => {
        if (room === 'known') {
          this.running.delete(key);
          this.count(s, -1);
          return this.repeated(s, m);
        }
        if (!room) return finish(failure(ErrorCode.TooManyCalls, 'too many call results held for this identity'), false);
        if (!handler) return finish(failure(ErrorCode.UnknownMethod, `no method '${method}'`), true);
        attempt(async () => handler(m.data, { session: s.view, method, id })).then(
          (result) => {
            let json: unknown;
            try {
              json = JSON.stringify(result ?? null);
            } catch (error) {
              this.deps.report(error, `rpc method '${method}' returned a value JSON cannot carry`);
            }
            finish(typeof json === 'string' ? { ok: true, result: json } : failure(ErrorCode.CallFailed, 'the result is not JSON'), true);
          },
          (error: unknown) => {
            if (!(error instanceof CallError)) this.deps.report(error, `rpc method '${method}' failed`);
            finish(error instanceof CallError ? failure(ErrorCode.CallFailed, error.message, error.data) : failure(ErrorCode.CallFailed, 'the call failed'), true);
          },
        );
      },
      (error: unknown) => {
        this.deps.report(error, 'result store reserve failed');
        finish(failure(ErrorCode.ResultUnavailable, 'call results unavailable'), false);
      },
    );
  }

  /** A retry of a call that ran (or runs): its first outcome, never a second run. */
  private repeated(s: LiveSession, m: ClientDataMessage): void {
    const id = m.key ?? '';
    const running = this.running.get(runKey(s.identity, id));
    if (running) {
      running.session = s;
      return;
    }
    attempt(() => this.deps.results.get(s.identity, id, this.deps.clock.now())).then(
      (outcome) => {
        if (outcome === undefined || outcome === 'running') return this.send(s, id, failure(ErrorCode.ResultUnavailable, 'the call ran before; its result is no longer held'), false);
        this.send(s, id, outcome, true);
      },
      (error: unknown) => {
        this.deps.report(error, 'result store get failed');
        this.send(s, id, failure(ErrorCode.ResultUnavailable, 'call results unavailable'), false);
      },
    );
  }

  private send(s: LiveSession, id: string, outcome: CallOutcome, kept: boolean): void {
    if (s.state === 'ended') return;
    const identity = s.identity;
    this.deps.answer(s, id, outcome, kept ? () => this.deps.results.settle(identity, id) : () => {});
  }

  private count(s: LiveSession, delta: number): void {
    const n = (this.perSession.get(s) ?? 0) + delta;
    if (n > 0 && s.state !== 'ended') this.perSession.set(s, n);
    else this.perSession.delete(s);
  }
}

function failure(code: ErrorCode, message: string, data?: Json): CallOutcome {
  const f: CallFailure = data === undefined ? { code, message } : { code, message, data };
  return { ok: false, failure: f };
}

function runKey(identity: string, id: string): string {
  return `${identity}\u0000${id}`;
}
