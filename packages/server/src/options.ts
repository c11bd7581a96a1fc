// Server options: one documented default each, merged once and validated at construction.

import { base64url, monotonicClock, parseUrl, secureRandomBytes, type Clock, type RandomSource } from '@lifeline/core';
import { DEFAULT_HEARTBEAT, DEFAULT_MAX_PAYLOAD, type Json } from '@lifeline/protocol';

/** What the auth hook sees about the HTTP upgrade request. */
export interface RequestInfo {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly url: string;
  readonly remoteAddress?: string;
}

/** Input of the auth hook. `auth` is the client's `hello.auth`: a secret, never log it. */
export interface AuthContext {
  readonly auth: Json | undefined;
  readonly request: RequestInfo;
}

/**
 * Returns the identity of the client (a non-empty string). `null`, `undefined`, an empty string,
 * a throw or a rejection all mean "not authenticated": the connection is closed with 4001.
 */
export type AuthenticateHook = (ctx: AuthContext) => string | null | undefined | Promise<string | null | undefined>;

/** Heartbeat the server drives and announces in `welcome`. */
export interface ServerHeartbeatOptions {
  /** Milliseconds between server pings. @default 20000 */
  interval: number;
  /** Extra milliseconds a client may stay silent before it is terminated (at interval + timeout). @default 10000 */
  timeout: number;
}

/** Per-connection token bucket for inbound frames. */
export interface RateLimitOptions {
  /** Tokens refilled per second. @default 50 */
  perSecond: number;
  /**
   * Bucket size: the largest burst accepted. Above the client's default outbox (1,000 messages), so a
   * client that reconnects with a full outbox can flush it at once. @default 1200
   */
  burst: number;
}

/** Which browser origins may connect: see {@link ServerOptions.origins}. */
export type OriginPolicy = readonly string[] | 'same-origin' | 'any';

/** Options of the session engine (and of the ws server, which adds its own). */
export interface ServerOptions {
  /**
   * Origin policy, required: a list of exact origins (`https://app.example.com`, no path, no
   * wildcards); `'same-origin'`, the pages this server's own host serves (the Origin's host must
   * equal the request's Host header, so a page on another site is refused); or `'any'`, the explicit
   * opt-in for non-browser deployments. A disallowed `Origin` gets HTTP 403 before the upgrade.
   */
  origins: OriginPolicy;
  /**
   * Whether a request without an `Origin` header is allowed. Non-browser clients (Node, mobile) send
   * none, and browsers always send one, so this does not open a cross-site hole; but it means cookie
   * auth alone is never enough: authenticate with a token in `hello.auth`. @default true
   */
  allowMissingOrigin?: boolean;
  /** Auth hook run on every `hello`. @default every client is the identity `'anonymous'` */
  authenticate?: AuthenticateHook;
  /** @default { interval: 20000, timeout: 10000 } */
  heartbeat?: Partial<ServerHeartbeatOptions>;
  /** Milliseconds a session without a connection is kept for resume. @default 300000 */
  resumeWindow?: number;
  /** Milliseconds an idempotency key is remembered per identity; at least `resumeWindow`. @default 600000 */
  dedupeWindow?: number;
  /** Most idempotency keys remembered in all; the oldest are evicted first. @default 100000 */
  dedupeMaxKeys?: number;
  /** Most unacknowledged server messages per session; past it the session ends with 4010. @default 10000 */
  maxUnacked?: number;
  /** Most unacknowledged server bytes per session; past it the session ends with 4010. @default 8388608 (8 MiB) */
  maxUnackedBytes?: number;
  /** Largest frame accepted (and sent), in bytes; bigger inbound frames close with 1009. @default 65536 */
  maxPayload?: number;
  /** Outbound bytes queued on one connection before it is closed with 4008 (session kept). @default 1048576 (1 MiB) */
  maxOutboundBytes?: number;
  /** Inbound frame rate per connection; a dry bucket gets `goaway` + 4029 (session kept). @default { perSecond: 50, burst: 1200 } */
  rateLimit?: Partial<RateLimitOptions>;
  /** Rejected frames per connection before it is closed with 1008. @default 20 */
  maxViolations?: number;
  /** Milliseconds from accept to `welcome` before the connection is closed with 4011. @default 10000 */
  handshakeTimeout?: number;
  /** Most concurrent connections; over it a connection gets `goaway` + 1013. @default Infinity */
  maxConnections?: number;
  /** `retryAfter` (ms) of the capacity `goaway` (over `maxConnections` or `maxSessionsPerIdentity`). @default 2000 */
  capacityRetryAfter?: number;
  /**
   * Most live sessions (attached or waiting for resume) per identity. A `hello` that would create one
   * more ends that identity's oldest detached session (`superseded`) first; with none detached, the
   * connection gets `goaway{capacityRetryAfter}` + 1013. A positive integer, or `Infinity` for no cap.
   * Without an `authenticate` hook every client is the one identity `'anonymous'`, so the default
   * then is `Infinity` (`maxConnections` bounds such a server); an explicit value still applies.
   * @default 100 (with an `authenticate` hook; otherwise Infinity)
   */
  maxSessionsPerIdentity?: number;
  /** Milliseconds over which `close()` spreads its 1012 closes. @default 10000 */
  drainWindow?: number;
  /** `retryAfter` (ms) of the drain `goaway`. @default 500 */
  drainRetryAfter?: number;
  /** Source of time. @default monotonicClock (monotonic, timers that do not keep the process alive) */
  clock?: Clock;
  /** Source of randomness (drain spread). @default Math.random */
  random?: RandomSource;
  /** Generator of session ids and tokens; must return at least 128 random bits. @default 16 bytes of crypto.getRandomValues, base64url */
  generateId?: () => string;
  /**
   * This node's name in a cluster: the owner it writes into session records and the broker topic
   * other nodes reach it on (to take over a session it holds). Unique per running node.
   * @default 128 random bits, base64url, drawn at construction
   */
  nodeId?: string;
}

/** Options after merging defaults: every field present. */
export interface ResolvedOptions {
  readonly origins: OriginPolicy;
  readonly allowMissingOrigin: boolean;
  readonly authenticate: AuthenticateHook;
  readonly heartbeat: Readonly<ServerHeartbeatOptions>;
  readonly resumeWindow: number;
  readonly dedupeWindow: number;
  readonly dedupeMaxKeys: number;
  readonly maxUnacked: number;
  readonly maxUnackedBytes: number;
  readonly maxPayload: number;
  readonly maxOutboundBytes: number;
  readonly rateLimit: Readonly<RateLimitOptions>;
  readonly maxViolations: number;
  readonly handshakeTimeout: number;
  readonly maxConnections: number;
  readonly capacityRetryAfter: number;
  readonly maxSessionsPerIdentity: number;
  readonly drainWindow: number;
  readonly drainRetryAfter: number;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly generateId: () => string;
  readonly nodeId: string;
}

const anonymous: AuthenticateHook = () => 'anonymous';
const defaultGenerateId = (): string => base64url(secureRandomBytes(16));

/** Every option of {@link ServerOptions}, for refusing the ones nobody defined. */
const KNOWN: ReadonlySet<string> = new Set([
  'origins', 'allowMissingOrigin', 'authenticate', 'heartbeat', 'resumeWindow', 'dedupeWindow', 'dedupeMaxKeys', 'maxUnacked',
  'maxUnackedBytes', 'maxPayload', 'maxOutboundBytes', 'rateLimit', 'maxViolations', 'handshakeTimeout', 'maxConnections',
  'capacityRetryAfter', 'maxSessionsPerIdentity', 'drainWindow', 'drainRetryAfter', 'clock', 'random', 'generateId', 'nodeId',
]);

/**
 * Merge the defaults into `options` once and validate the result; throws TypeError/RangeError. An
 * option nobody defined is refused: a misspelt option must not silently mean its default.
 */
export function resolveOptions(options: ServerOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('lifeline: options are required');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new TypeError(`lifeline: unknown option '${key}'`);
  }
  const generateId = options.generateId ?? defaultGenerateId;
  const resolved: ResolvedOptions = {
    origins: checkOrigins(options.origins),
    allowMissingOrigin: options.allowMissingOrigin ?? true,
    authenticate: options.authenticate ?? anonymous,
    heartbeat: {
      interval: options.heartbeat?.interval ?? DEFAULT_HEARTBEAT.interval,
      timeout: options.heartbeat?.timeout ?? DEFAULT_HEARTBEAT.timeout,
    },
    resumeWindow: options.resumeWindow ?? 300_000,
    dedupeWindow: options.dedupeWindow ?? 600_000,
    dedupeMaxKeys: options.dedupeMaxKeys ?? 100_000,
    maxUnacked: options.maxUnacked ?? 10_000,
    maxUnackedBytes: options.maxUnackedBytes ?? 8 * 1024 * 1024,
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    maxOutboundBytes: options.maxOutboundBytes ?? 1024 * 1024,
    rateLimit: {
      perSecond: options.rateLimit?.perSecond ?? 50,
      burst: options.rateLimit?.burst ?? 1200,
    },
    maxViolations: options.maxViolations ?? 20,
    handshakeTimeout: options.handshakeTimeout ?? 10_000,
    maxConnections: options.maxConnections ?? Infinity,
    capacityRetryAfter: options.capacityRetryAfter ?? 2_000,
    maxSessionsPerIdentity: options.maxSessionsPerIdentity ?? (options.authenticate === undefined ? Infinity : 100),
    drainWindow: options.drainWindow ?? 10_000,
    drainRetryAfter: options.drainRetryAfter ?? 500,
    clock: options.clock ?? monotonicClock,
    random: options.random ?? Math.random,
    generateId,
    nodeId: options.nodeId ?? defaultGenerateId(),
  };
  if (typeof resolved.allowMissingOrigin !== 'boolean') throw new TypeError('lifeline: allowMissingOrigin must be a boolean');
  for (const [name, fn] of [
    ['authenticate', resolved.authenticate],
    ['random', resolved.random],
    ['generateId', resolved.generateId],
  ] as const) {
    if (typeof fn !== 'function') throw new TypeError(`lifeline: ${name} must be a function`);
  }
  if (typeof resolved.nodeId !== 'string' || resolved.nodeId.length === 0) throw new TypeError('lifeline: nodeId must be a non-empty string');
  const c = resolved.clock;
  if (typeof c !== 'object' || c === null || typeof c.now !== 'function' || typeof c.setTimeout !== 'function' || typeof c.clearTimeout !== 'function') {
    throw new TypeError('lifeline: clock must have now, setTimeout and clearTimeout');
  }
  positiveInt('heartbeat.interval', resolved.heartbeat.interval);
  positiveInt('heartbeat.timeout', resolved.heartbeat.timeout);
  positiveInt('resumeWindow', resolved.resumeWindow);
  positiveInt('dedupeWindow', resolved.dedupeWindow);
  if (resolved.dedupeWindow < resolved.resumeWindow) {
    throw new RangeError(`lifeline: dedupeWindow (${resolved.dedupeWindow}) must be at least resumeWindow (${resolved.resumeWindow})`);
  }
  positiveInt('dedupeMaxKeys', resolved.dedupeMaxKeys);
  positiveInt('maxUnacked', resolved.maxUnacked);
  positiveInt('maxUnackedBytes', resolved.maxUnackedBytes);
  positiveInt('maxPayload', resolved.maxPayload);
  if (resolved.maxPayload < 256) throw new RangeError('lifeline: maxPayload must be at least 256 bytes');
  positiveInt('maxOutboundBytes', resolved.maxOutboundBytes);
  positiveNumber('rateLimit.perSecond', resolved.rateLimit.perSecond);
  positiveNumber('rateLimit.burst', resolved.rateLimit.burst);
  if (resolved.rateLimit.burst < 1) throw new RangeError('lifeline: rateLimit.burst must be at least 1');
  positiveInt('maxViolations', resolved.maxViolations);
  positiveInt('handshakeTimeout', resolved.handshakeTimeout);
  if (!(resolved.maxConnections === Infinity || (Number.isSafeInteger(resolved.maxConnections) && resolved.maxConnections >= 0))) {
    throw new RangeError('lifeline: maxConnections must be a non-negative integer or Infinity');
  }
  nonNegativeInt('capacityRetryAfter', resolved.capacityRetryAfter);
  if (!(resolved.maxSessionsPerIdentity === Infinity || (Number.isSafeInteger(resolved.maxSessionsPerIdentity) && resolved.maxSessionsPerIdentity > 0))) {
    throw new RangeError(`lifeline: maxSessionsPerIdentity must be a positive integer or Infinity, got ${String(resolved.maxSessionsPerIdentity)}`);
  }
  nonNegativeInt('drainWindow', resolved.drainWindow);
  nonNegativeInt('drainRetryAfter', resolved.drainRetryAfter);
  return resolved;
}

function checkOrigins(origins: unknown): OriginPolicy {
  if (origins === undefined) {
    throw new TypeError("lifeline: an origin policy is required: pass origins: ['https://app.example'] or origins: 'any' (non-browser use)");
  }
  if (origins === 'any' || origins === 'same-origin') return origins;
  if (!Array.isArray(origins)) throw new TypeError("lifeline: origins must be an array of origins, 'same-origin' or 'any'");
  const list: string[] = [];
  for (const o of origins as unknown[]) {
    if (typeof o !== 'string' || o === '*') throw new TypeError(`lifeline: invalid origin ${JSON.stringify(o)} (use origins: 'any' to allow every origin)`);
    const normalised = parseUrl(o)?.origin;
    if (normalised === undefined) throw new TypeError(`lifeline: invalid origin ${JSON.stringify(o)}`);
    // Exact match only: "https://a.example/" or "https://a.example/path" is a configuration mistake.
    if (normalised !== o) throw new TypeError(`lifeline: origin ${JSON.stringify(o)} must be exactly scheme://host[:port] (did you mean ${JSON.stringify(normalised)}?)`);
    list.push(o);
  }
  return Object.freeze(list);
}

function positiveInt(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`lifeline: ${name} must be a positive integer, got ${String(value)}`);
}

function nonNegativeInt(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`lifeline: ${name} must be a non-negative integer, got ${String(value)}`);
}

function positiveNumber(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`lifeline: ${name} must be a positive number, got ${String(value)}`);
}
