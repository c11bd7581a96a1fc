// LifelineSocket options: their types, one default each, merged once and validated at construction.

import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { systemClock, type Clock, type RandomSource } from '@lifeline/core';
import { defaultReportError } from './report-error.js';
import { socketRetries } from './codes.js';
import { browserEnvironment, type Environment } from './environment.js';
import { checkOptionNames } from './option-names.js';
import { defaultWebSocket, type SendData, type WebSocketConstructor } from './transport.js';

export { defaultReportError };

/** Liveness checking of an open link. */
export interface HeartbeatOptions {
  /**
   * The ping to send, or a function building it; `null` writes nothing, for an owner that sends its
   * own ping on the `probe` event (in passive mode). @default 'ping'
   */
  message?: string | (() => SendData) | null;
  /**
   * How to recognise the pong (never dispatched as a message): exact text, a pattern over text, a
   * predicate, or `null` when no frame is a pong (an owner that reads pongs itself). @default 'pong'
   */
  pong?: string | RegExp | ((data: unknown) => boolean) | null;
  /** Whether any inbound message proves the link alive, not only a pong. @default true */
  anyMessageIsAlive?: boolean;
  /** Milliseconds of silence before a ping is sent. @default 20000 */
  interval?: number;
  /** Milliseconds to wait for life after the last unanswered ping. @default 10000 */
  timeout?: number;
  /** Consecutive unanswered pings that end the link (common setups use 1 or 3). @default 1 */
  maxMissed?: number;
  /**
   * `active` sends pings; `passive` sends none and only requires inbound traffic before the
   * deadline (for servers that drive the heartbeat themselves). @default 'active'
   */
  mode?: 'active' | 'passive';
  /**
   * In passive mode, whether `probe()` (and the online, visible and wake signals) sends `message`
   * and requires a pong within `timeout`. Only for peers that answer a ping on demand; active mode
   * always probes. @default false
   */
  probe?: boolean;
}

/** What to do when `send()` would grow the outbox past a limit. */
export type OverflowPolicy = 'throw' | 'drop-oldest' | ((data: SendData) => void);

/** The queue that holds messages sent while no link is open. */
export interface OutboxOptions {
  /** Most messages held. @default 1000 */
  maxMessages?: number;
  /** Most bytes held (strings counted in UTF-8). @default 1048576 */
  maxBytes?: number;
  /**
   * `throw` raises {@link OutboxOverflowError} from `send()`; `drop-oldest` evicts the oldest
   * messages to make room; a function receives the message instead of the queue. @default 'throw'
   */
  onOverflow?: OverflowPolicy;
}

/**
 * Options of {@link LifelineSocket}. Every field is optional; an unknown name (reconnecting-websocket's
 * `maxRetries`, a typo) is refused with a `TypeError` naming it and what to use instead.
 */
export interface LifelineSocketOptions {
  /**
   * The transport constructor. @default the global `WebSocket` as it was when this package loaded
   * (never a LifelineSocket, so `window.WebSocket = LifelineSocket` is safe)
   */
  WebSocket?: WebSocketConstructor;
  /** Source of time and timers. @default systemClock */
  clock?: Clock;
  /** Source of jitter. @default Math.random */
  random?: RandomSource;
  /** Network and visibility signals. @default browserEnvironment() */
  environment?: Environment;
  /** Liveness checking, or `false` to trust the transport alone. @default {} (all heartbeat defaults) */
  heartbeat?: false | HeartbeatOptions;
  /**
   * A timer firing this many ms late means the device slept or the tab was frozen: an open link is
   * probed at once and a pending reconnect runs at once. @default 5000
   */
  wakeThreshold?: number;
  /** Reconnect delays: full-jitter exponential backoff. @default { base: 500, cap: 10000, refusedCap: 1000 } */
  backoff?: Partial<BackoffOptions>;
  /** Reconnect attempts after a loss before giving up (`Infinity`: never). @default Infinity */
  maxAttempts?: number;
  /** Milliseconds an attempt may take to open before it counts as failed. @default 10000 */
  connectTimeout?: number;
  /** Milliseconds a link must stay open before the attempt counter resets. @default 10000 */
  minUptime?: number;
  /** Whether to reconnect after a close. @default ({ code }) => socketRetries(code) */
  shouldReconnect?: (event: { code: number; reason: string }) => boolean;
  /** Milliseconds `close()` waits for the closing handshake before terminating. @default 1000 */
  closeTimeout?: number;
  /**
   * Limits of the queue of messages sent while not open.
   * @default { maxMessages: 1000, maxBytes: 1048576, onOverflow: 'throw' }
   */
  outbox?: OutboxOptions;
  /**
   * Receives errors thrown by event listeners, which never reach the state machine.
   * @default globalThis.reportError, else a rethrow on a fresh task
   */
  reportError?: (error: unknown) => void;
}

/** A heartbeat configuration with every default applied. */
export type ResolvedHeartbeat = Readonly<Required<HeartbeatOptions>>;

/** Outbox limits with every default applied. */
export type ResolvedOutbox = Readonly<Required<OutboxOptions>>;

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly WebSocket: WebSocketConstructor;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly environment: Environment;
  readonly heartbeat: ResolvedHeartbeat | false;
  readonly wakeThreshold: number;
  readonly backoff: Readonly<BackoffOptions>;
  readonly maxAttempts: number;
  readonly connectTimeout: number;
  readonly minUptime: number;
  readonly shouldReconnect: (event: { code: number; reason: string }) => boolean;
  readonly closeTimeout: number;
  readonly outbox: ResolvedOutbox;
  readonly reportError: (error: unknown) => void;
}

/** The heartbeat defaults. */
export const DEFAULT_SOCKET_HEARTBEAT: ResolvedHeartbeat = {
  message: 'ping',
  pong: 'pong',
  anyMessageIsAlive: true,
  interval: 20_000,
  timeout: 10_000,
  maxMissed: 1,
  mode: 'active',
  probe: false,
};

/** The outbox defaults. */
export const DEFAULT_OUTBOX: ResolvedOutbox = { maxMessages: 1000, maxBytes: 1_048_576, onOverflow: 'throw' };

// Platform timers overflow above 2^31 - 1 ms and fire at once, so no delay may exceed it.
const MAX_DELAY = 2_147_483_647;

/** Apply defaults to `options` and validate them; throws `TypeError` (unknown names, wrong types) or `RangeError` on bad input. */
export function resolveOptions(options: LifelineSocketOptions = {}): ResolvedOptions {
  checkObject('options', options);
  checkOptionNames('', options);
  const WebSocket = options.WebSocket ?? defaultWebSocket();
  if (typeof WebSocket !== 'function') {
    throw new TypeError('LifelineSocket: no WebSocket implementation (none, or only a LifelineSocket, is global); pass options.WebSocket');
  }
  checkObject('backoff', options.backoff ?? {});
  checkOptionNames('backoff', options.backoff ?? {});
  const backoff = { ...DEFAULT_BACKOFF, ...withoutUndefined(options.backoff ?? {}) };
  // A zero base would retry a dead server in a tight loop.
  const base = duration('backoff.base', backoff.base, 1);
  const cap = duration('backoff.cap', backoff.cap, base);
  const resolved: ResolvedOptions = {
    WebSocket,
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    environment: options.environment ?? browserEnvironment(),
    heartbeat: resolveHeartbeat(options.heartbeat ?? {}),
    wakeThreshold: duration('wakeThreshold', options.wakeThreshold ?? 5_000),
    backoff: { base, cap, refusedCap: Math.min(cap, duration('backoff.refusedCap', backoff.refusedCap, 1)) },
    maxAttempts: count('maxAttempts', options.maxAttempts ?? Infinity, 0, true),
    connectTimeout: duration('connectTimeout', options.connectTimeout ?? 10_000, 1),
    minUptime: duration('minUptime', options.minUptime ?? 10_000),
    shouldReconnect: options.shouldReconnect ?? ((event) => socketRetries(event.code)),
    closeTimeout: duration('closeTimeout', options.closeTimeout ?? 1_000),
    outbox: resolveOutbox(options.outbox ?? {}),
    reportError: options.reportError ?? defaultReportError,
  };
  for (const name of ['clock', 'environment'] as const) {
    if (typeof resolved[name] !== 'object' || resolved[name] === null) {
      throw new TypeError(`LifelineSocket: options.${name} must be an object`);
    }
  }
  for (const name of ['random', 'shouldReconnect', 'reportError'] as const) {
    if (typeof resolved[name] !== 'function') throw new TypeError(`LifelineSocket: options.${name} must be a function`);
  }
  return resolved;
}

/** Apply defaults to heartbeat options and validate them; `false` disables the heartbeat. */
export function resolveHeartbeat(options: false | HeartbeatOptions): ResolvedHeartbeat | false {
  if (options === false) return false;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('LifelineSocket: heartbeat must be false or an object');
  }
  checkOptionNames('heartbeat', options);
  const h = { ...DEFAULT_SOCKET_HEARTBEAT, ...withoutUndefined(options) };
  if (typeof h.message !== 'string' && typeof h.message !== 'function' && h.message !== null) {
    throw new TypeError('LifelineSocket: heartbeat.message must be a string, a function or null');
  }
  if (h.message === null && h.mode === 'active') {
    throw new TypeError("LifelineSocket: heartbeat.message can be null only in 'passive' mode");
  }
  if (typeof h.pong !== 'string' && typeof h.pong !== 'function' && !(h.pong instanceof RegExp) && h.pong !== null) {
    throw new TypeError('LifelineSocket: heartbeat.pong must be a string, a RegExp, a function or null');
  }
  if (typeof h.anyMessageIsAlive !== 'boolean') {
    throw new TypeError('LifelineSocket: heartbeat.anyMessageIsAlive must be a boolean');
  }
  if (h.mode !== 'active' && h.mode !== 'passive') {
    throw new TypeError(`LifelineSocket: heartbeat.mode must be 'active' or 'passive', got ${String(h.mode)}`);
  }
  if (typeof h.probe !== 'boolean') throw new TypeError('LifelineSocket: heartbeat.probe must be a boolean');
  const interval = duration('heartbeat.interval', h.interval, 1);
  const timeout = duration('heartbeat.timeout', h.timeout, 1);
  const maxMissed = count('heartbeat.maxMissed', h.maxMissed, 1, false);
  if (maxMissed * interval + timeout > MAX_DELAY) {
    throw new RangeError('LifelineSocket: heartbeat.maxMissed * heartbeat.interval + heartbeat.timeout is too large');
  }
  return { ...h, interval, timeout, maxMissed };
}

function resolveOutbox(options: OutboxOptions): ResolvedOutbox {
  checkObject('outbox', options);
  checkOptionNames('outbox', options);
  const o = { ...DEFAULT_OUTBOX, ...withoutUndefined(options) };
  const policy = o.onOverflow;
  if (policy !== 'throw' && policy !== 'drop-oldest' && typeof policy !== 'function') {
    throw new TypeError("LifelineSocket: outbox.onOverflow must be 'throw', 'drop-oldest' or a function");
  }
  return {
    maxMessages: count('outbox.maxMessages', o.maxMessages, 0, false),
    maxBytes: count('outbox.maxBytes', o.maxBytes, 0, false),
    onOverflow: policy,
  };
}

function checkObject(name: string, value: unknown): void {
  if (typeof value !== 'object' || value === null) throw new TypeError(`LifelineSocket: ${name} must be an object, got ${String(value)}`);
}

/** A delay in ms: finite, at least `min`, small enough for platform timers. */
function duration(name: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`LifelineSocket: ${name} must be a number, got ${String(value)}`);
  }
  if (value < min || value > MAX_DELAY) {
    throw new RangeError(`LifelineSocket: ${name} must be between ${min} and ${MAX_DELAY} ms, got ${value}`);
  }
  return value;
}

/** A whole number at least `min`; `Infinity` only where `allowInfinity`. */
function count(name: string, value: unknown, min: number, allowInfinity: boolean): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`LifelineSocket: ${name} must be a number, got ${String(value)}`);
  }
  const ok = value === Infinity ? allowInfinity : Number.isInteger(value) && value >= min;
  if (!ok) {
    const range = allowInfinity ? `an integer >= ${min} or Infinity` : `an integer >= ${min}`;
    throw new RangeError(`LifelineSocket: ${name} must be ${range}, got ${value}`);
  }
  return value;
}

// `{ interval: undefined }` must mean "the default", not "override the default with undefined".
function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

