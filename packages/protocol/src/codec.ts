// Encoding and total (never-throwing) decoding of messages: parse, shape checks, then the validator registered for the type.

import { ErrorCode } from './codes.js';
import { DEFAULT_MAX_PAYLOAD, MAX_KEY_LENGTH } from './defaults.js';
import type { ClientMessage, PingMessage, PongMessage, ServerMessage } from './messages.js';
import { clientMessageValidator, serverMessageValidator } from './session-messages.js';
import { fail, isRecord, ok, type DecodeLimits, type Decoded, type ValidatorLookup } from './validate.js';

/** Default decoder limits: 64 Ki characters, depth 32, ids of 256 characters. */
export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({ maxLength: DEFAULT_MAX_PAYLOAD, maxDepth: 32, maxIdLength: MAX_KEY_LENGTH });

/** Serialise a message for the wire. */
export function encode(message: ClientMessage | ServerMessage): string {
  return JSON.stringify(message);
}

/** Decode and validate a frame a server received from a client. */
export function decodeClientMessage(frame: unknown, limits: Partial<DecodeLimits> = {}): Decoded<ClientMessage> {
  return decodeHeartbeat(frame) ?? decodeMessage(frame, clientMessageValidator, limits);
}

/** Decode and validate a frame a client received from a server. */
export function decodeServerMessage(frame: unknown, limits: Partial<DecodeLimits> = {}): Decoded<ServerMessage> {
  return decodeHeartbeat(frame) ?? decodeMessage(frame, serverMessageValidator, limits);
}

/**
 * Decode a frame against a validator table: text only, within `maxLength`, valid JSON, no nesting
 * past `maxDepth`, no `__proto__`/`constructor`/`prototype` key anywhere, an object with a string
 * `t` that the table has a validator for, and whatever that validator checks. Never throws.
 */
export function decodeMessage<M>(frame: unknown, validatorOf: ValidatorLookup<M>, partial: Partial<DecodeLimits> = {}): Decoded<M> {
  const limits = partial === EMPTY ? DEFAULT_DECODE_LIMITS : { ...DEFAULT_DECODE_LIMITS, ...partial };
  if (typeof frame !== 'string') return fail(ErrorCode.BadFrame, 'expected a text frame');
  if (frame.length > limits.maxLength) return fail(ErrorCode.TooLarge, `message longer than ${limits.maxLength}`);
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return fail(ErrorCode.BadJson, 'invalid JSON');
  }
  const shape = checkShape(value, limits.maxDepth);
  if (shape) return shape;
  if (!isRecord(value)) return fail(ErrorCode.BadMessage, 'a message is a JSON object');
  const t = value.t;
  if (typeof t !== 'string') return fail(ErrorCode.BadMessage, 'missing message type "t"');
  const validate = validatorOf(t);
  return validate ? validate(value, limits) : fail(ErrorCode.UnknownType, `unknown message type "${t.slice(0, 32)}"`);
}

const EMPTY: Partial<DecodeLimits> = {};

/** `ping`/`pong` exactly as `encode` writes them; `ack` of at most 15 digits is a safe integer. */
const HEARTBEAT = /^\{"t":"(ping|pong)"(?:,"ack":(0|[1-9]\d{0,14}))?\}$/;

/**
 * Every connection sends a `ping` or `pong` every interval: recognise the canonical form (exactly as
 * `encode` writes it) without JSON.parse. Anything else goes through the full decoder.
 */
function decodeHeartbeat(frame: unknown): Decoded<PingMessage | PongMessage> | undefined {
  if (typeof frame !== 'string' || frame.length > 40) return undefined;
  const beat = HEARTBEAT.exec(frame);
  if (!beat) return undefined;
  const t = beat[1] === 'ping' ? 'ping' : 'pong';
  return ok(beat[2] === undefined ? { t } : { t, ack: Number(beat[2]) });
}

const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Depth and key checks over the parsed value, iteratively so hostile nesting cannot overflow the stack. */
function checkShape(root: unknown, maxDepth: number): Decoded<never> | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { value, depth } = top;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) return fail(ErrorCode.TooDeep, `nesting deeper than ${maxDepth}`);
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return fail(ErrorCode.ForbiddenKey, `forbidden key "${key}"`);
      stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1 });
    }
  }
  return undefined;
}
