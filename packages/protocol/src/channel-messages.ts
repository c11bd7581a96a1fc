// Channel messages (PROTOCOL.md §8): subscribe with a stream position, publications by offset, and their validators.

import { ERROR_CODES, RecoveryFailure, type ErrorCode } from './codes.js';
import type { Json } from './messages.js';
import { bad, isCount, isId, isRecord, ok, type DecodeLimits, type Decoded, type Validator } from './validate.js';

/** Where a subscriber stands in a channel's stream: the history's epoch and the last offset it has. */
export interface StreamPosition {
  /** Changes whenever the channel's history begins again; offsets of another epoch mean nothing. */
  readonly epoch: string;
  /** Offset of the last publication received (0: none yet). Offsets grow by one per publication. */
  readonly offset: number;
}

/** Client to server: subscribe to `ch`; with `since`, recover every publication after that position. */
export interface SubscribeMessage {
  readonly t: 'sub';
  readonly ch: string;
  readonly since?: StreamPosition;
}

/** Client to server: end the subscription to `ch`. */
export interface UnsubscribeMessage {
  readonly t: 'unsub';
  readonly ch: string;
}

/**
 * Server to client: the subscription to `ch` is live at `epoch`/`offset` (the channel's newest
 * offset). With `recovered: true` the publications after the client's `since` follow as `pub`
 * frames; with `recovered: false` they cannot (`reason`), and the client starts again from `offset`.
 * `recovered` is absent when the client gave no `since`.
 */
export interface SubscribedMessage {
  readonly t: 'subscribed';
  readonly ch: string;
  readonly epoch: string;
  readonly offset: number;
  readonly recovered?: boolean;
  readonly reason?: RecoveryFailure;
}

/** Server to client: one publication of channel `ch`, the same bytes for every subscriber. */
export interface PublicationMessage {
  readonly t: 'pub';
  readonly ch: string;
  readonly epoch: string;
  readonly offset: number;
  readonly data: Json;
}

/** Server to client: the client is not (or no longer) subscribed to `ch`, and why. */
export interface UnsubscribedMessage {
  readonly t: 'unsub';
  readonly ch: string;
  readonly code: ErrorCode;
  readonly message: string;
}

export type ClientChannelMessage = SubscribeMessage | UnsubscribeMessage;
export type ServerChannelMessage = SubscribedMessage | PublicationMessage | UnsubscribedMessage;

const RECOVERY_FAILURES: ReadonlySet<string> = new Set(Object.values(RecoveryFailure));
const ERROR_CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES.map((row) => row.code));

function position(value: unknown, limits: DecodeLimits): StreamPosition | undefined {
  if (!isRecord(value) || !isId(value.epoch, limits) || !isCount(value.offset)) return undefined;
  return { epoch: value.epoch, offset: value.offset };
}

/** The channel messages a server accepts. */
export const CLIENT_CHANNEL_VALIDATORS: { readonly sub: Validator<SubscribeMessage>; readonly unsub: Validator<UnsubscribeMessage> } = {
  sub(m, limits): Decoded<SubscribeMessage> {
    if (!isId(m.ch, limits)) return bad('sub.ch must be a non-empty string');
    if (m.since === undefined) return ok({ t: 'sub', ch: m.ch });
    const since = position(m.since, limits);
    return since ? ok({ t: 'sub', ch: m.ch, since }) : bad('sub.since must be {epoch, offset}');
  },
  unsub: (m, limits) => (isId(m.ch, limits) ? ok({ t: 'unsub', ch: m.ch }) : bad('unsub.ch must be a non-empty string')),
};

/** The channel messages a client accepts. */
export const SERVER_CHANNEL_VALIDATORS: {
  readonly subscribed: Validator<SubscribedMessage>;
  readonly pub: Validator<PublicationMessage>;
  readonly unsub: Validator<UnsubscribedMessage>;
} = {
  subscribed(m, limits) {
    if (!isId(m.ch, limits)) return bad('subscribed.ch must be a non-empty string');
    const at = position(m, limits);
    if (!at) return bad('subscribed needs epoch and offset');
    if (m.recovered !== undefined && typeof m.recovered !== 'boolean') return bad('subscribed.recovered must be a boolean');
    if (m.reason !== undefined && !(typeof m.reason === 'string' && RECOVERY_FAILURES.has(m.reason))) return bad('subscribed.reason is not a known recovery failure');
    return ok({
      t: 'subscribed',
      ch: m.ch,
      epoch: at.epoch,
      offset: at.offset,
      ...(m.recovered !== undefined ? { recovered: m.recovered } : {}),
      ...(m.reason !== undefined ? { reason: m.reason as RecoveryFailure } : {}),
    });
  },
  pub(m, limits) {
    if (!isId(m.ch, limits)) return bad('pub.ch must be a non-empty string');
    const at = position(m, limits);
    if (!at || at.offset === 0) return bad('pub needs epoch and a positive offset');
    if (!('data' in m)) return bad('pub.data is required');
    return ok({ t: 'pub', ch: m.ch, epoch: at.epoch, offset: at.offset, data: m.data as Json });
  },
  unsub(m, limits) {
    if (!isId(m.ch, limits)) return bad('unsub.ch must be a non-empty string');
    if (typeof m.code !== 'string' || !ERROR_CODE_SET.has(m.code)) return bad('unsub.code is not a known error code');
    if (typeof m.message !== 'string') return bad('unsub.message must be a string');
    return ok({ t: 'unsub', ch: m.ch, code: m.code as ErrorCode, message: m.message });
  },
};

/** Characters a channel name may use: letters, digits and `_ - . : @ / = ~ +`. */
const CHANNEL_NAME = /^[A-Za-z0-9_\-.:@/=~+]+$/;

/** Whether `name` is a valid channel name of at most `maxLength` characters. */
export function isChannelName(name: unknown, maxLength: number): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= maxLength && CHANNEL_NAME.test(name);
}

/** `encode({t: 'pub', ch, epoch, offset, data})` for `data` already serialised: built once per publication. */
export function publicationFrame(ch: string, epoch: string, offset: number, dataJson: string): string {
  return `{"t":"pub","ch":${JSON.stringify(ch)},"epoch":${JSON.stringify(epoch)},"offset":${offset},"data":${dataJson}}`;
}

const OFFSET = ',"offset":';

/** The offset of a frame `publicationFrame` built, read without parsing it; undefined for any other text. */
export function publicationOffset(frame: string): number | undefined {
  const at = frame.indexOf(OFFSET);
  if (at < 0 || !frame.startsWith('{"t":"pub"')) return undefined;
  const offset = parseInt(frame.slice(at + OFFSET.length, at + OFFSET.length + 16), 10);
  return Number.isSafeInteger(offset) && offset > 0 ? offset : undefined;
}
