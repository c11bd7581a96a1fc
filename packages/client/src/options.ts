// LifelineClient options: their types, one default each, merged once and validated at construction.

import type { Json } from '@lifeline/protocol';
import type { BackoffOptions, Clock, Environment, RandomSource, WebSocketConstructor } from '@lifeline/socket';
import type { OutboxStorage } from './storage/outbox-storage.js';

/** Options of {@link LifelineClient}. Every field is optional. */
export interface LifelineClientOptions {
  /** The transport constructor. @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
  /** Source of time and timers. @default systemClock */
  clock?: Clock;
  /** Source of reconnect jitter (and of keys where `globalThis.crypto` is missing). @default Math.random */
  random?: RandomSource;
  /** Network and visibility signals. @default browserEnvironment() */
  environment?: Environment;
  /** Reconnect delays: full-jitter exponential backoff. @default { base: 500, cap: 10000 } */
  backoff?: Partial<BackoffOptions>;
  /** Reconnect attempts after a loss before giving up (`Infinity`: never). @default Infinity */
  maxAttempts?: number;
  /** Milliseconds an attempt may take to open before it counts as failed. @default 10000 */
  connectTimeout?: number;
  /** Milliseconds a link must stay open before the attempt counter resets. @default 10000 */
  minUptime?: number;
  /**
   * Credentials for `hello.auth`, fetched on every connection attempt so an expired token is
   * replaced on reconnect. The result is never logged. @default undefined (no `auth` field)
   */
  auth?: () => Json | undefined | Promise<Json | undefined>;
  /** Bounds of the unacknowledged messages held for resend. @default { maxMessages: 1000, maxBytes: 1048576 } */
  outbox?: { maxMessages?: number; maxBytes?: number };
  /**
   * Keeps sent but unacknowledged messages across a reload or an app kill (`indexedDbOutbox()`,
   * `keyValueOutbox(AsyncStorage)`); the next run sends them again, and the server applies each once.
   * @default none: the outbox lives in memory only
   */
  outboxStorage?: OutboxStorage;
  /** Send an `ack` after this many deliveries without one (every `pong` carries the ack too). @default 32 */
  ackEvery?: number;
  /**
   * Idempotency key for messages the application sent without one.
   * @default 128 random bits as 32 hex digits, from `globalThis.crypto.getRandomValues`, else `random`
   */
  generateKey?: () => string;
  /**
   * Receives errors thrown by event listeners, which never reach the client's state machine.
   * @default globalThis.reportError, else a rethrow on a fresh task
   */
  reportError?: (error: unknown) => void;
}

/** The options the client itself uses, with every default applied. */
export interface ResolvedClientOptions {
  readonly auth: (() => Json | undefined | Promise<Json | undefined>) | undefined;
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly ackEvery: number;
  readonly generateKey: () => string;
}

/** Every option of {@link LifelineClientOptions}: a misspelt option must not silently mean its default. */
const KNOWN: ReadonlySet<string> = new Set([
  'WebSocket', 'clock', 'random', 'environment', 'backoff', 'maxAttempts', 'connectTimeout', 'minUptime', 'auth', 'outbox', 'outboxStorage', 'ackEvery', 'generateKey', 'reportError',
]);

/** Outbox defaults: 1,000 messages, 1 MiB (PROTOCOL.md §4, Bounds). */
export const DEFAULT_CLIENT_OUTBOX = { maxMessages: 1000, maxBytes: 1_048_576 } as const;

/** Ack batch size: at most 32 unacked deliveries (PROTOCOL.md §4). */
export const DEFAULT_ACK_EVERY = 32;

/** Apply the client's defaults and validate; throws `TypeError`/`RangeError` on bad input. */
export function resolveClientOptions(
  options: LifelineClientOptions,
  defaultKey: () => string,
): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('LifelineClient: options must be an object');
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) throw new TypeError(`LifelineClient: unknown option '${name}'`);
  }
  const storage = options.outboxStorage;
  if (storage !== undefined && (typeof storage !== 'object' || storage === null || typeof storage.put !== 'function' || typeof storage.load !== 'function' || typeof storage.delete !== 'function')) {
    throw new TypeError('LifelineClient: options.outboxStorage must have load, put and delete');
  }
  const { auth, generateKey, outbox = {} } = options;
  if (auth !== undefined && typeof auth !== 'function') throw new TypeError('LifelineClient: options.auth must be a function');
  if (generateKey !== undefined && typeof generateKey !== 'function') {
    throw new TypeError('LifelineClient: options.generateKey must be a function');
  }
  if (typeof outbox !== 'object' || outbox === null) throw new TypeError('LifelineClient: options.outbox must be an object');
  return {
    auth,
    maxMessages: positiveInteger('outbox.maxMessages', outbox.maxMessages ?? DEFAULT_CLIENT_OUTBOX.maxMessages),
    maxBytes: positiveInteger('outbox.maxBytes', outbox.maxBytes ?? DEFAULT_CLIENT_OUTBOX.maxBytes),
    ackEvery: positiveInteger('ackEvery', options.ackEvery ?? DEFAULT_ACK_EVERY),
    generateKey: generateKey ?? defaultKey,
  };
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`LifelineClient: ${name} must be a number, got ${String(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`LifelineClient: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}
