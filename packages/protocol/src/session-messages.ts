// The validators of the session messages (PROTOCOL.md §2), one per type, in a table per direction.

import { ERROR_CODES, REFUSAL_CODES, ResumeFailure, type ErrorCode } from './codes.js';
import { CLIENT_CHANNEL_VALIDATORS, SERVER_CHANNEL_VALIDATORS } from './channel-messages.js';
import { SERVER_PRESENCE_VALIDATORS } from './presence-messages.js';
import type { CallFailure, ClientMessage, HeartbeatParams, Json, PingMessage, PongMessage, Refusal, ServerMessage, SessionRef } from './messages.js';
import { bad, isCount, isId, isOwnKey, isRecord, isSeq, ok, type Decoded, type ValidatorLookup, type ValidatorTable } from './validate.js';

const RESUME_FAILURES: ReadonlySet<string> = new Set(Object.values(ResumeFailure));
const ERROR_CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES.map((row) => row.code));

/** `ping` and `pong` share one shape in both directions. */
function heartbeat<T extends 'ping' | 'pong'>(t: T): (m: Readonly<Record<string, unknown>>) => Decoded<Extract<PingMessage | PongMessage, { t: T }>> {
  return (m) => {
    if (m.ack !== undefined && !isCount(m.ack)) return bad(`${t}.ack must be a non-negative integer`);
    return ok((m.ack !== undefined ? { t, ack: m.ack } : { t }) as Extract<PingMessage | PongMessage, { t: T }>);
  };
}

function ack(m: Readonly<Record<string, unknown>>): Decoded<{ t: 'ack'; seq: number }> {
  return isCount(m.seq) ? ok({ t: 'ack', seq: m.seq }) : bad('ack.seq must be a non-negative integer');
}

/** At most this many refusals in one welcome (the server keeps fewer). */
const MAX_REFUSALS = 1024;

/** `welcome.refused`: absent (undefined), or a list of refusals; null when malformed. */
function parseRefusals(value: unknown): Refusal[] | undefined | null {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > MAX_REFUSALS) return null;
  const out: Refusal[] = [];
  for (const r of value as unknown[]) {
    if (!isRecord(r) || !isSeq(r.seq) || typeof r.code !== 'string' || !REFUSAL_CODES.has(r.code as ErrorCode)) return null;
    out.push({ seq: r.seq, code: r.code as ErrorCode });
  }
  return out;
}

function parseHeartbeat(value: unknown): HeartbeatParams | undefined {
  if (!isRecord(value) || !isSeq(value.interval) || !isSeq(value.timeout)) return undefined;
  return { interval: value.interval, timeout: value.timeout };
}

/** What a server accepts from a client. */
export const CLIENT_MESSAGE_VALIDATORS: ValidatorTable<ClientMessage> = {
  hello(m, limits) {
    if (!isCount(m.v)) return bad('hello.v must be a protocol version number');
    let resume: (SessionRef & { lastSeq: number }) | undefined;
    if (m.resume !== undefined) {
      const r = m.resume;
      if (!isRecord(r) || !isId(r.id, limits) || !isId(r.token, limits) || !isCount(r.lastSeq)) return bad('hello.resume must be {id, token, lastSeq}');
      resume = { id: r.id, token: r.token, lastSeq: r.lastSeq };
    }
    return ok({ t: 'hello', v: m.v, ...(resume ? { resume } : {}), ...(m.auth !== undefined ? { auth: m.auth as Json } : {}) });
  },
  msg(m, limits) {
    if (!isSeq(m.seq)) return bad('msg.seq must be a positive integer');
    if (!('data' in m)) return bad('msg.data is required', m.seq);
    if (m.key !== undefined && !isId(m.key, limits)) return bad('msg.key must be a short non-empty string', m.seq);
    if (m.ch !== undefined && !isId(m.ch, limits)) return bad('msg.ch must be a non-empty string', m.seq);
    if (m.call !== undefined && !(isId(m.call, limits) && m.key !== undefined && m.ch === undefined)) return bad('msg.call must be a method name, with a key (the call id) and no ch', m.seq);
    return ok({
      t: 'msg',
      seq: m.seq,
      data: m.data as Json,
      ...(m.key !== undefined ? { key: m.key } : {}),
      ...(m.ch !== undefined ? { ch: m.ch } : {}),
      ...(m.call !== undefined ? { call: m.call } : {}),
    });
  },
  ack,
  ping: heartbeat('ping'),
  pong: heartbeat('pong'),
  bye: () => ok({ t: 'bye' }),
  ...CLIENT_CHANNEL_VALIDATORS,
};

/** `msg.err`: absent (undefined), a call failure, or null when malformed. */
function parseCallFailure(value: unknown): CallFailure | undefined | null {
  if (value === undefined) return undefined;
  if (!isRecord(value) || typeof value.code !== 'string' || !ERROR_CODE_SET.has(value.code) || typeof value.message !== 'string') return null;
  return { code: value.code as ErrorCode, message: value.message, ...(value.data !== undefined ? { data: value.data as Json } : {}) };
}

/** What a client accepts from a server. */
export const SERVER_MESSAGE_VALIDATORS: ValidatorTable<ServerMessage> = {
  welcome(m, limits) {
    const s = m.session;
    if (!isCount(m.v)) return bad('welcome.v must be a number');
    if (!isRecord(s) || !isId(s.id, limits) || !isId(s.token, limits)) return bad('welcome.session must be {id, token}');
    if (typeof m.resumed !== 'boolean') return bad('welcome.resumed must be a boolean');
    if (m.reason !== undefined && !(typeof m.reason === 'string' && RESUME_FAILURES.has(m.reason))) return bad('welcome.reason is not a known resume failure');
    if (!isCount(m.lastSeq)) return bad('welcome.lastSeq must be a non-negative integer');
    const hb = parseHeartbeat(m.heartbeat);
    if (!hb) return bad('welcome.heartbeat must be {interval, timeout} in ms');
    if (!isSeq(m.maxPayload)) return bad('welcome.maxPayload must be a positive integer');
    const refused = parseRefusals(m.refused);
    if (refused === null) return bad('welcome.refused must be [{seq, code}] with refusal codes');
    return ok({
      t: 'welcome',
      v: m.v,
      session: { id: s.id, token: s.token },
      resumed: m.resumed,
      ...(m.reason !== undefined ? { reason: m.reason as ResumeFailure } : {}),
      lastSeq: m.lastSeq,
      heartbeat: hb,
      maxPayload: m.maxPayload,
      ...(refused ? { refused } : {}),
    });
  },
  msg(m, limits) {
    if (!isSeq(m.seq)) return bad('msg.seq must be a positive integer');
    if (!('data' in m)) return bad('msg.data is required', m.seq);
    if (m.re === undefined) return m.err === undefined ? ok({ t: 'msg', seq: m.seq, data: m.data as Json }) : bad('msg.err needs re', m.seq);
    if (!isId(m.re, limits)) return bad('msg.re must be a call id', m.seq);
    const err = parseCallFailure(m.err);
    if (err === null) return bad('msg.err must be {code, message, data?} with a known code', m.seq);
    return ok({ t: 'msg', seq: m.seq, data: m.data as Json, re: m.re, ...(err ? { err } : {}) });
  },
  ack,
  ping: heartbeat('ping'),
  pong: heartbeat('pong'),
  error(m) {
    if (typeof m.code !== 'string' || !ERROR_CODE_SET.has(m.code)) return bad('error.code is not a known error code');
    if (typeof m.message !== 'string') return bad('error.message must be a string');
    if (m.seq !== undefined && !isSeq(m.seq)) return bad('error.seq must be a positive integer');
    return ok({ t: 'error', code: m.code as ErrorCode, message: m.message, ...(m.seq !== undefined ? { seq: m.seq } : {}) });
  },
  goaway(m) {
    if (!isCount(m.code)) return bad('goaway.code must be a close code');
    if (typeof m.reason !== 'string') return bad('goaway.reason must be a string');
    if (m.retryAfter !== undefined && !isCount(m.retryAfter)) return bad('goaway.retryAfter must be milliseconds');
    return ok({ t: 'goaway', code: m.code, reason: m.reason, ...(m.retryAfter !== undefined ? { retryAfter: m.retryAfter } : {}) });
  },
  ...SERVER_CHANNEL_VALIDATORS,
  ...SERVER_PRESENCE_VALIDATORS,
};

/** The validator of a client message type, for the decoder. */
export const clientMessageValidator: ValidatorLookup<ClientMessage> = (t) => (isOwnKey(CLIENT_MESSAGE_VALIDATORS, t) ? CLIENT_MESSAGE_VALIDATORS[t] : undefined);

/** The validator of a server message type, for the decoder. */
export const serverMessageValidator: ValidatorLookup<ServerMessage> = (t) => (isOwnKey(SERVER_MESSAGE_VALIDATORS, t) ? SERVER_MESSAGE_VALIDATORS[t] : undefined);
