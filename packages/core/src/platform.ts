// The few platform facilities Lifeline needs, typed structurally so no DOM or Node typings are required.

interface Host {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  queueMicrotask?: (fn: () => void) => void;
  performance?: { now(): number; timeOrigin?: number };
  crypto?: { getRandomValues?: (array: Uint8Array) => Uint8Array };
  TextDecoder?: new (label?: string) => { decode(input: Uint8Array): string };
  console?: { error(...args: unknown[]): void };
  URL?: new (input: string, base?: string) => UrlParts;
}

/** The parts of a parsed URL Lifeline reads. */
export interface UrlParts {
  readonly origin: string;
  readonly host: string;
  readonly pathname: string;
}

const host = globalThis as unknown as Host;
const perf = host.performance;
const origin = perf?.timeOrigin ?? Date.now() - (perf?.now() ?? 0);
const resolved = Promise.resolve();
const decoder = host.TextDecoder ? new host.TextDecoder('utf-8') : undefined;

/** Bound platform functions, captured once at load. */
export const platform = {
  setTimeout: host.setTimeout.bind(globalThis),
  clearTimeout: host.clearTimeout.bind(globalThis),
  /** Run `fn` after the current synchronous run, before any timer. */
  queueMicrotask: host.queueMicrotask ? host.queueMicrotask.bind(globalThis) : (fn: () => void): void => void resolved.then(fn),
  monotonicNow: perf ? (): number => origin + perf.now() : Date.now.bind(Date),
};

/** Write an error to the platform console, where there is one (the last resort when nobody listens). */
export function logError(...args: unknown[]): void {
  host.console?.error(...args);
}

/** Parse `input` (relative to `base`) with the platform's WHATWG URL; undefined when it is not a URL. */
export function parseUrl(input: string, base?: string): UrlParts | undefined {
  const Url = host.URL;
  if (!Url) throw new TypeError('lifeline: this platform has no URL');
  try {
    return new Url(input, base);
  } catch {
    return undefined;
  }
}

/** Decode UTF-8 bytes (malformed sequences become U+FFFD). */
export function decodeUtf8(bytes: Uint8Array): string {
  if (!decoder) throw new TypeError('lifeline: this platform has no TextDecoder');
  return decoder.decode(bytes);
}

// Bytes drawn ahead in one call: `getRandomValues` costs microseconds per call, whatever its size.
const POOL_SIZE = 4096;
let pool: Uint8Array = new Uint8Array(0);
let poolAt = 0;

/**
 * `count` random bytes from the platform CSPRNG (`crypto.getRandomValues`), drawn ahead in 4 KiB
 * blocks as Node's `randomBytes` does; every byte is handed out once.
 * @throws TypeError where the platform has none: ids and tokens must never come from `Math.random`.
 */
export function secureRandomBytes(count: number): Uint8Array {
  const crypto = host.crypto;
  if (!crypto || typeof crypto.getRandomValues !== 'function') throw new TypeError('lifeline: this platform has no crypto.getRandomValues');
  if (count > POOL_SIZE / 4) return crypto.getRandomValues(new Uint8Array(count));
  if (poolAt + count > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_SIZE));
    poolAt = 0;
  }
  const bytes = pool.slice(poolAt, poolAt + count);
  pool.fill(0, poolAt, poolAt + count);
  poolAt += count;
  return bytes;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Unpadded base64url of `bytes` (RFC 4648 §5). */
export function base64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += BASE64URL[n >>> 18] + (BASE64URL[(n >>> 12) & 63] ?? '') + (BASE64URL[(n >>> 6) & 63] ?? '') + (BASE64URL[n & 63] ?? '');
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = ((bytes[i] ?? 0) << 16) | (rest === 2 ? (bytes[i + 1] ?? 0) << 8 : 0);
    out += (BASE64URL[n >>> 18] ?? '') + (BASE64URL[(n >>> 12) & 63] ?? '');
    if (rest === 2) out += BASE64URL[(n >>> 6) & 63] ?? '';
  }
  return out;
}

/**
 * Whether two strings are equal, in time that depends on their lengths only (for secrets such as
 * resume tokens, so a mismatch position cannot be timed).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
