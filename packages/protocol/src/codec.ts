// Encoding and total (never-throwing) decoding of session messages, with input limits.

import { ErrorCode, ResumeFailure } from './codes.js';
import type {
  ClientMessage,
  HeartbeatParams,
  Json,
  PingMessage,
  PongMessage,
  ServerMessage,
  SessionRef,
} from './messages.js';

/** Limits the decoder enforces before and while it validates. */
export interface DecodeLimits {
  /** Largest text accepted, in UTF-16 code units (the frame limit is enforced by the transport). @default 65536 */
  maxLength: number;
  /** Deepest nesting of arrays and objects accepted. @default 32 */
  maxDepth: number;
  /** Longest string accepted for ids, tokens and idempotency keys. @default 256 */
  maxIdLength: number;
}

/** Default decoder limits: 64 Ki characters, depth 32, ids of 256 characters. */
export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = { maxLength: 65_536, maxDepth: 32, maxIdLength: 256 };

/** Why a frame was rejected; becomes an `error` message with the same code. */
export interface DecodeError {
  readonly code: ErrorCode;
  readonly message: string;
  /** The offending message's `seq`, when it could be read. */
  readonly seq?: number;
}

/** The result of decoding: a message, or the reason it was rejected. Decoding never throws. */
export type Decoded<M> = { readonly ok: true; readonly message: M } | { readonly ok: false; readonly error: DecodeError };

/** Serialise a message for the wire. */
export function encode(message: ClientMessage | ServerMessage): string {
  return JSON.stringify(message);
}

/** Decode and validate a frame a server received from a client. */
export function decodeClientMessage(frame: unknown, limits: Partial<DecodeLimits> = {}): Decoded<ClientMessage> {
  return decodeHeartbeat(frame) ?? decodeWith(frame, limits, validateClientMessage);
}

/** Decode and validate a frame a client received from a server. */
export function decodeServerMessage(frame: unknown, limits: Partial<DecodeLimits> = {}): Decoded<ServerMessage> {
  return decodeHeartbeat(frame) ?? decodeWith(frame, limits, validateServerMessage);
}

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

type Validator<M> = (value: Record<string, unknown>, limits: DecodeLimits) => Decoded<M>;

function decodeWith<M>(frame: unknown, partial: Partial<DecodeLimits>, validate: Validator<M>): Decoded<M> {
  const limits = { ...DEFAULT_DECODE_LIMITS, ...partial };
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
  if (typeof value.t !== 'string') return fail(ErrorCode.BadMessage, 'missing message type "t"');
  return validate(value, limits);
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** `ping`/`pong` exactly as `encode` writes them; `ack` of at most 15 digits is a safe integer. */
const HEARTBEAT = /^\{"t":"(ping|pong)"(?:,"ack":(0|[1-9]\d{0,14}))?\}$/;

/** Depth and key checks over the parsed value, iteratively so hostile nesting cannot overflow the stack. */
function checkShape(root: unknown, maxDepth: number): Decoded<never> | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop() as { value: unknown; depth: number };
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

function validateClientMessage(m: Record<string, unknown>, limits: DecodeLimits): Decoded<ClientMessage> {
  switch (m.t) {
    case 'hello': {
      if (!isCount(m.v)) return bad('hello.v must be a protocol version number');
      let resume: (SessionRef & { lastSeq: number }) | undefined;
      if (m.resume !== undefined) {
        const r = m.resume;
        if (!isRecord(r) || !isId(r.id, limits) || !isId(r.token, limits) || !isCount(r.lastSeq)) {
          return bad('hello.resume must be {id, token, lastSeq}');
        }
        resume = { id: r.id, token: r.token, lastSeq: r.lastSeq };
      }
      return ok({
        t: 'hello',
        v: m.v,
        ...(resume ? { resume } : {}),
        ...(m.auth !== undefined ? { auth: m.auth as Json } : {}),
      });
    }
    case 'msg': {
      if (!isSeq(m.seq)) return bad('msg.seq must be a positive integer');
      if (!('data' in m)) return bad('msg.data is required', m.seq);
      if (m.key !== undefined && !isId(m.key, limits)) return bad('msg.key must be a short non-empty string', m.seq);
      return ok({ t: 'msg', seq: m.seq, data: m.data as Json, ...(m.key !== undefined ? { key: m.key } : {}) });
    }
    case 'ack':
      return isCount(m.seq) ? ok({ t: 'ack', seq: m.seq }) : bad('ack.seq must be a non-negative integer');
    case 'ping':
    case 'pong':
      return heartbeatMessage(m.t, m.ack);
    case 'bye':
      return ok({ t: 'bye' });
    default:
      return fail(ErrorCode.UnknownType, `unknown message type "${String(m.t).slice(0, 32)}"`);
  }
}

const RESUME_FAILURES = new Set<string>(Object.values(ResumeFailure));
const ERROR_CODES = new Set<string>(Object.values(ErrorCode));

function validateServerMessage(m: Record<string, unknown>, limits: DecodeLimits): Decoded<ServerMessage> {
  switch (m.t) {
    case 'welcome': {
      const s = m.session;
      if (!isCount(m.v)) return bad('welcome.v must be a number');
      if (!isRecord(s) || !isId(s.id, limits) || !isId(s.token, limits)) return bad('welcome.session must be {id, token}');
      if (typeof m.resumed !== 'boolean') return bad('welcome.resumed must be a boolean');
      if (m.reason !== undefined && !(typeof m.reason === 'string' && RESUME_FAILURES.has(m.reason))) {
        return bad('welcome.reason is not a known resume failure');
      }
      if (!isCount(m.lastSeq)) return bad('welcome.lastSeq must be a non-negative integer');
      const hb = parseHeartbeat(m.heartbeat);
      if (!hb) return bad('welcome.heartbeat must be {interval, timeout} in ms');
      if (!isSeq(m.maxPayload)) return bad('welcome.maxPayload must be a positive integer');
      return ok({
        t: 'welcome',
        v: m.v,
        session: { id: s.id, token: s.token },
        resumed: m.resumed,
        ...(m.reason !== undefined ? { reason: m.reason as ResumeFailure } : {}),
        lastSeq: m.lastSeq,
        heartbeat: hb,
        maxPayload: m.maxPayload,
      });
    }
    case 'msg':
      if (!isSeq(m.seq)) return bad('msg.seq must be a positive integer');
      if (!('data' in m)) return bad('msg.data is required', m.seq);
      return ok({ t: 'msg', seq: m.seq, data: m.data as Json });
    case 'ack':
      return isCount(m.seq) ? ok({ t: 'ack', seq: m.seq }) : bad('ack.seq must be a non-negative integer');
    case 'ping':
    case 'pong':
      return heartbeatMessage(m.t, m.ack);
    case 'error':
      if (typeof m.code !== 'string' || !ERROR_CODES.has(m.code)) return bad('error.code is not a known error code');
      if (typeof m.message !== 'string') return bad('error.message must be a string');
      if (m.seq !== undefined && !isSeq(m.seq)) return bad('error.seq must be a positive integer');
      return ok({
        t: 'error',
        code: m.code as ErrorCode,
        message: m.message,
        ...(m.seq !== undefined ? { seq: m.seq } : {}),
      });
    case 'goaway':
      if (!isCount(m.code)) return bad('goaway.code must be a close code');
      if (typeof m.reason !== 'string') return bad('goaway.reason must be a string');
      if (m.retryAfter !== undefined && !isCount(m.retryAfter)) return bad('goaway.retryAfter must be milliseconds');
      return ok({
        t: 'goaway',
        code: m.code,
        reason: m.reason,
        ...(m.retryAfter !== undefined ? { retryAfter: m.retryAfter } : {}),
      });
    default:
      return fail(ErrorCode.UnknownType, `unknown message type "${String(m.t).slice(0, 32)}"`);
  }
}

/** `ping` and `pong` share one shape in both directions. */
function heartbeatMessage(t: 'ping' | 'pong', ack: unknown): Decoded<PingMessage | PongMessage> {
  if (ack !== undefined && !isCount(ack)) return bad(`${t}.ack must be a non-negative integer`);
  return ok(ack !== undefined ? { t, ack } : { t });
}

function parseHeartbeat(value: unknown): HeartbeatParams | undefined {
  if (!isRecord(value) || !isSeq(value.interval) || !isSeq(value.timeout)) return undefined;
  return { interval: value.interval, timeout: value.timeout };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-negative safe integer. */
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A positive safe integer. */
function isSeq(value: unknown): value is number {
  return isCount(value) && value > 0;
}

function isId(value: unknown, limits: DecodeLimits): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= limits.maxIdLength;
}

function ok<M>(message: M): Decoded<M> {
  return { ok: true, message };
}

function fail(code: ErrorCode, message: string, seq?: number): { ok: false; error: DecodeError } {
  return { ok: false, error: seq === undefined ? { code, message } : { code, message, seq } };
}

function bad(message: string, seq?: unknown): { ok: false; error: DecodeError } {
  return fail(ErrorCode.BadMessage, message, isSeq(seq) ? seq : undefined);
}
