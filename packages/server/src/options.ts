// Server options: their types, each documented with its one default (resolved and validated in options-resolve.ts).

import type { Clock, RandomSource } from '@lifeline/core';
import type { Json } from '@lifeline/protocol';
import type { ChannelOptions, ResolvedChannelOptions } from './channels/options.js';
import type { PresenceOptions, ResolvedPresenceOptions } from './presence/options.js';
import type { ResolvedRpcOptions, RpcOptions } from './rpc/options.js';

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

/** A token bucket: `burst` tokens, refilled at `perSecond`. */
export interface RateLimitOptions {
  /** Tokens refilled per second. */
  perSecond: number;
  /** Bucket size: the largest burst accepted. */
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
  /**
   * Idempotency keys held in all before a new one must take the place of a settled key of its own
   * quota (a key is settled once a pong shows the client read its ack, so its library will never
   * resend it). A quota holding less than the average may still add keys, up to twice this bound, so
   * a few identities filling the store cannot shut the others out; past that, `too-many-keys`. No key
   * is forgotten for another quota's, and no unsettled key before its window ends. @default 100000
   */
  dedupeMaxKeys?: number;
  /**
   * Most idempotency keys one identity holds (one remote address when there is no `authenticate`
   * hook). At the bound its oldest settled key makes room for a new one; with none settled (a client
   * that never answers pings) its keyed messages are refused with `too-many-keys`. @default 10000
   */
  dedupeMaxKeysPerIdentity?: number;
  /** Most unacknowledged server messages per session; past it the session ends with 4010. @default 10000 */
  maxUnacked?: number;
  /** Most unacknowledged server bytes per session; past it the session ends with 4010. @default 8388608 (8 MiB) */
  maxUnackedBytes?: number;
  /** Largest frame accepted (and sent), in bytes; bigger inbound frames close with 1009. @default 65536 */
  maxPayload?: number;
  /** Outbound bytes queued on one connection before it is closed with 4008 (session kept). @default 1048576 (1 MiB) */
  maxOutboundBytes?: number;
  /**
   * Inbound frame rate per session, kept across its reconnects and resumes (and per connection until
   * it carries a session); a dry bucket gets `goaway{retryAfter}` + 4029, the session kept. The burst
   * is above the client's default outbox (1,000 messages), so a client that reconnects with a full
   * outbox flushes it at once. @default { perSecond: 50, burst: 1200 }
   */
  rateLimit?: Partial<RateLimitOptions>;
  /**
   * Application messages (`msg`) per identity across all its sessions, or per remote address when there
   * is no `authenticate` hook (so many users behind one NAT share it: raise it, or authenticate);
   * heartbeats and handshakes do not count. A dry bucket gets `goaway` + 4029. @default { perSecond: 500, burst: 10000 }
   */
  identityRateLimit?: Partial<RateLimitOptions>;
  /** Rejected frames per connection before it is closed with 1008. @default 20 */
  maxViolations?: number;
  /**
   * Milliseconds from accept to `welcome` before the connection is closed with 4011; a server the ws
   * binding creates also gives the upgrade request's headers this long. @default 10000
   */
  handshakeTimeout?: number;
  /** Most concurrent connections; over it a connection gets `goaway` + 1013. @default Infinity */
  maxConnections?: number;
  /** Most concurrent connections from one remote address; over it a connection gets `goaway` + 1013. @default Infinity */
  maxConnectionsPerAddress?: number;
  /**
   * Most sessions held (attached and waiting for resume). A new session past it ends the session
   * detached for the longest (`evicted`); with none detached, the connection gets `goaway` + 1013.
   * @default 100000, or 2 × maxConnections when that is smaller
   */
  maxSessions?: number;
  /**
   * Most bytes of unacknowledged server messages held for detached sessions in all; past it the
   * sessions detached for the longest are ended (`evicted`) until the rest fit. @default 268435456 (256 MiB)
   */
  maxDetachedBytes?: number;
  /**
   * Most sessions of one remote address when there is no `authenticate` hook (every client is then
   * the identity `'anonymous'`); works as `maxSessionsPerIdentity` does. @default 1000
   */
  maxSessionsPerAddress?: number;
  /** `retryAfter` (ms) of the capacity `goaway` (over `maxConnections` or `maxSessionsPerIdentity`). @default 2000 */
  capacityRetryAfter?: number;
  /**
   * Most live sessions (attached or waiting for resume) per identity. A `hello` that would create one
   * more ends that identity's oldest detached session (`superseded`) first; with none detached, the
   * connection gets `goaway{capacityRetryAfter}` + 1013. A positive integer, or `Infinity` for no cap.
   * Without an `authenticate` hook every client is the one identity `'anonymous'`, so the default
   * then is `Infinity` (`maxSessionsPerAddress` and `maxSessions` bound such a server); an explicit
   * value still applies.
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
  /** Channels: who may subscribe and publish, history per channel, limits. @default see {@link ChannelOptions} */
  channels?: ChannelOptions;
  /** RPC: the method handlers and bounds on calls. @default see {@link RpcOptions} */
  rpc?: RpcOptions;
  /** Presence: anti-flap grace, last-seen bounds, who may see whom. @default see {@link PresenceOptions} */
  presence?: PresenceOptions;
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
  readonly dedupeMaxKeysPerIdentity: number;
  readonly maxUnacked: number;
  readonly maxUnackedBytes: number;
  readonly maxPayload: number;
  readonly maxOutboundBytes: number;
  readonly rateLimit: Readonly<RateLimitOptions>;
  readonly identityRateLimit: Readonly<RateLimitOptions>;
  readonly maxViolations: number;
  readonly handshakeTimeout: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  readonly maxSessions: number;
  readonly maxDetachedBytes: number;
  readonly maxSessionsPerAddress: number;
  readonly capacityRetryAfter: number;
  readonly maxSessionsPerIdentity: number;
  readonly drainWindow: number;
  readonly drainRetryAfter: number;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly generateId: () => string;
  readonly nodeId: string;
  /** Whether an `authenticate` hook was given (without one, limits per identity count per remote address). */
  readonly authenticated: boolean;
  readonly channels: ResolvedChannelOptions;
  readonly rpc: ResolvedRpcOptions;
  readonly presence: ResolvedPresenceOptions;
}
