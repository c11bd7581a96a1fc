// Server options resolved: the defaults merged in once, every value validated, unknown options refused.

import { base64url, monotonicClock, parseUrl, secureRandomBytes } from '@lifeline/core';
import { DEFAULT_HEARTBEAT, DEFAULT_MAX_PAYLOAD } from '@lifeline/protocol';
import { resolveChannelOptions } from './channels/options.js';
import { resolvePresenceOptions } from './presence/options.js';
import { resolveRpcOptions } from './rpc/options.js';
import type { AuthenticateHook, OriginPolicy, RateLimitOptions, ResolvedOptions, ServerOptions } from './options.js';

const anonymous: AuthenticateHook = () => 'anonymous';
const defaultGenerateId = (): string => base64url(secureRandomBytes(16));

/** Every option of {@link ServerOptions}, for refusing the ones nobody defined. */
const KNOWN: ReadonlySet<string> = new Set([
  'origins', 'allowMissingOrigin', 'authenticate', 'heartbeat', 'resumeWindow', 'dedupeWindow', 'dedupeMaxKeys', 'maxUnacked',
  'maxUnackedBytes', 'maxPayload', 'maxOutboundBytes', 'rateLimit', 'maxViolations', 'handshakeTimeout', 'maxConnections',
  'capacityRetryAfter', 'maxSessionsPerIdentity', 'drainWindow', 'drainRetryAfter', 'clock', 'random', 'generateId', 'nodeId',
  'dedupeMaxKeysPerIdentity', 'identityRateLimit', 'maxConnectionsPerAddress', 'maxSessions', 'maxDetachedBytes', 'maxSessionsPerAddress',
  'channels', 'rpc', 'presence',
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
  const maxConnections = options.maxConnections ?? Infinity;
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
    dedupeMaxKeysPerIdentity: options.dedupeMaxKeysPerIdentity ?? 10_000,
    maxUnacked: options.maxUnacked ?? 10_000,
    maxUnackedBytes: options.maxUnackedBytes ?? 8 * 1024 * 1024,
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    maxOutboundBytes: options.maxOutboundBytes ?? 1024 * 1024,
    rateLimit: bucket(options.rateLimit, 50, 1200),
    identityRateLimit: bucket(options.identityRateLimit, 500, 10_000),
    maxViolations: options.maxViolations ?? 20,
    handshakeTimeout: options.handshakeTimeout ?? 10_000,
    maxConnections,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? Infinity,
    maxSessions: options.maxSessions ?? Math.min(100_000, 2 * maxConnections),
    maxDetachedBytes: options.maxDetachedBytes ?? 256 * 1024 * 1024,
    maxSessionsPerAddress: options.maxSessionsPerAddress ?? 1000,
    capacityRetryAfter: options.capacityRetryAfter ?? 2_000,
    maxSessionsPerIdentity: options.maxSessionsPerIdentity ?? (options.authenticate === undefined ? Infinity : 100),
    drainWindow: options.drainWindow ?? 10_000,
    drainRetryAfter: options.drainRetryAfter ?? 500,
    clock: options.clock ?? monotonicClock,
    random: options.random ?? Math.random,
    generateId,
    nodeId: options.nodeId ?? defaultGenerateId(),
    authenticated: options.authenticate !== undefined,
    channels: resolveChannelOptions(options.channels),
    rpc: resolveRpcOptions(options.rpc),
    presence: resolvePresenceOptions(options.presence),
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
  positiveInt('dedupeMaxKeysPerIdentity', resolved.dedupeMaxKeysPerIdentity);
  checkBucket('rateLimit', resolved.rateLimit);
  checkBucket('identityRateLimit', resolved.identityRateLimit);
  positiveInt('maxViolations', resolved.maxViolations);
  positiveInt('handshakeTimeout', resolved.handshakeTimeout);
  if (!(resolved.maxConnections === Infinity || (Number.isSafeInteger(resolved.maxConnections) && resolved.maxConnections >= 0))) {
    throw new RangeError('lifeline: maxConnections must be a non-negative integer or Infinity');
  }
  nonNegativeInt('capacityRetryAfter', resolved.capacityRetryAfter);
  positiveOrInfinity('maxSessionsPerIdentity', resolved.maxSessionsPerIdentity);
  positiveOrInfinity('maxConnectionsPerAddress', resolved.maxConnectionsPerAddress);
  positiveOrInfinity('maxSessions', resolved.maxSessions);
  positiveOrInfinity('maxSessionsPerAddress', resolved.maxSessionsPerAddress);
  positiveInt('maxDetachedBytes', resolved.maxDetachedBytes);
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

function bucket(given: Partial<RateLimitOptions> | undefined, perSecond: number, burst: number): RateLimitOptions {
  return { perSecond: given?.perSecond ?? perSecond, burst: given?.burst ?? burst };
}

function checkBucket(name: string, b: RateLimitOptions): void {
  positiveNumber(`${name}.perSecond`, b.perSecond);
  positiveNumber(`${name}.burst`, b.burst);
  if (b.burst < 1) throw new RangeError(`lifeline: ${name}.burst must be at least 1`);
}

function positiveOrInfinity(name: string, value: number): void {
  if (!(value === Infinity || (Number.isSafeInteger(value) && value > 0))) throw new RangeError(`lifeline: ${name} must be a positive integer or Infinity, got ${String(value)}`);
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
