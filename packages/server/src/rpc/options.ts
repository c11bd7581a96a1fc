// RPC options: the method handlers and the bounds on calls, each with its one default, resolved once.

import type { Json } from '@lifeline/protocol';
import type { Session } from '../session-view.js';

/** Who calls what: the session, the method, the call id (the same on every retry). */
export interface CallContext {
  readonly session: Session;
  readonly method: string;
  readonly id: string;
}

/** Runs one call, at most once per identity and call id within the dedupe window; may be async. */
export type CallHandler<P extends Json = Json, R extends Json = Json> = (params: P, ctx: CallContext) => R | Promise<R>;

/**
 * Throw this from a handler to fail the call with `message` (and optional `data`) told to the
 * client as `call-failed`. Any other throw fails it with a generic message: no stack, no internals.
 */
export class CallError extends Error {
  override readonly name = 'CallError';
  constructor(
    message: string,
    readonly data?: Json,
  ) {
    super(message);
  }
}

/** Options of RPC (`ServerOptions.rpc`). */
export interface RpcOptions {
  /** The handlers, by method name. @default none: every call is refused `unknown-method` */
  methods?: Readonly<Record<string, CallHandler>>;
  /** Calls one session may have running at once; past it a call is refused `too-many-calls`. @default 100 */
  maxCallsPerSession?: number;
  /**
   * Calls remembered per identity (per remote address without `authenticate`) for retries; one the
   * client acknowledged makes room for a new one. Past it a call fails `too-many-calls`. @default 10000
   */
  maxResultsPerIdentity?: number;
}

/** RPC options after defaults. */
export interface ResolvedRpcOptions {
  readonly methods: ReadonlyMap<string, CallHandler>;
  readonly maxCallsPerSession: number;
  readonly maxResultsPerIdentity: number;
}

const KNOWN: ReadonlySet<string> = new Set(['methods', 'maxCallsPerSession', 'maxResultsPerIdentity']);

/** Merge and validate RPC options; throws TypeError/RangeError; unknown options are refused. */
export function resolveRpcOptions(options: RpcOptions | undefined): ResolvedRpcOptions {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null) throw new TypeError('lifeline: rpc must be an object');
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) throw new TypeError(`lifeline: unknown option 'rpc.${key}'`);
  const methods = new Map<string, CallHandler>();
  for (const [name, fn] of Object.entries(o.methods ?? {})) {
    if (typeof fn !== 'function') throw new TypeError(`lifeline: rpc.methods.${name} must be a function`);
    if (name.startsWith('$') || name.length === 0 || name.length > 256) throw new TypeError(`lifeline: rpc.methods: '${name}' is not a method name (1 to 256 characters, not starting with '$')`);
    methods.set(name, fn);
  }
  const resolved = { methods, maxCallsPerSession: o.maxCallsPerSession ?? 100, maxResultsPerIdentity: o.maxResultsPerIdentity ?? 10_000 };
  for (const [k, v] of [['maxCallsPerSession', resolved.maxCallsPerSession], ['maxResultsPerIdentity', resolved.maxResultsPerIdentity]] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`lifeline: rpc.${k} must be a positive integer, got ${String(v)}`);
  }
  return resolved;
}
