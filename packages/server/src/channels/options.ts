// Channel options: the authorize and publish hooks, history bounds per channel, and limits, each with its one default, resolved once.

import type { Json } from '@lifeline/protocol';
import type { RateLimitOptions } from '../options.js';
import type { Session } from '../session-view.js';
import type { HistoryLimits } from './history.js';

/** Who asks for what: the session and the channel. */
export interface ChannelContext {
  readonly session: Session;
  readonly channel: string;
}

/** `true` allows; `false` or `{ refuse }` refuses, with the reason the client is told. */
export type ChannelVerdict = boolean | { readonly refuse: string };

/** Decides a subscribe; may be async (a throw or rejection refuses it). */
export type AuthorizeHook = (ctx: ChannelContext) => ChannelVerdict | Promise<ChannelVerdict>;

/** A publish decision: allow (`true`), refuse (`false` or `{ refuse }`), or allow with other data (`{ data }`). */
export type PublishVerdict = ChannelVerdict | { readonly data: Json };

/** Decides a client publication, synchronously (it is answered in order with the session's messages). */
export type PublishHook = (ctx: ChannelContext & { readonly data: Json }) => PublishVerdict;

/** Options of channels (`ServerOptions.channels`). */
export interface ChannelOptions {
  /** Whether a session may subscribe to a channel. @default every session may subscribe to every valid channel */
  authorize?: AuthorizeHook;
  /** Whether a client publication goes out. @default allowed for sessions subscribed to the channel, else `not-subscribed` */
  publish?: PublishHook;
  /** History kept per channel. @default { maxPublications: 1000, maxBytes: 1048576, maxAge: 300000 } */
  history?: Partial<HistoryLimits>;
  /** History of particular channels (by name or pattern); undefined falls back to `history`. @default none */
  historyFor?: (channel: string) => Partial<HistoryLimits> | undefined;
  /** Channels one connection may be subscribed to at once; past it `too-many-channels`. @default 128 */
  maxChannelsPerConnection?: number;
  /** Longest channel name, in characters (names use `A-Z a-z 0-9 _ - . : @ / = ~ +`). @default 128 */
  maxNameLength?: number;
  /** Largest publication data, in UTF-8 bytes of its JSON; a bigger client publication is refused `too-large`. @default 32768 */
  maxPublicationBytes?: number;
  /** Subscribes per connection; past it `subscribe-rate` (the client retries later). @default { perSecond: 20, burst: 200 } */
  subscribeRate?: Partial<RateLimitOptions>;
  /** Which channels have presence (members, joins, leaves; see `ServerOptions.presence`). @default none */
  presence?: boolean | ((channel: string) => boolean);
}

/** Channel options after defaults. */
export interface ResolvedChannelOptions {
  readonly authorize: AuthorizeHook | undefined;
  readonly publish: PublishHook | undefined;
  readonly history: HistoryLimits;
  /** The history bounds of `channel`. */
  limitsFor(channel: string): HistoryLimits;
  readonly maxChannelsPerConnection: number;
  readonly maxNameLength: number;
  readonly maxPublicationBytes: number;
  readonly subscribeRate: Readonly<RateLimitOptions>;
  /** Whether `channel` has presence. */
  presenceFor(channel: string): boolean;
}

const KNOWN: ReadonlySet<string> = new Set(['authorize', 'publish', 'history', 'historyFor', 'maxChannelsPerConnection', 'maxNameLength', 'maxPublicationBytes', 'subscribeRate', 'presence']);
const DEFAULT_HISTORY: HistoryLimits = Object.freeze({ maxPublications: 1000, maxBytes: 1024 * 1024, maxAge: 300_000 });

/** Merge and validate channel options; throws TypeError/RangeError; unknown options are refused. */
export function resolveChannelOptions(options: ChannelOptions | undefined): ResolvedChannelOptions {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null) throw new TypeError('lifeline: channels must be an object');
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) throw new TypeError(`lifeline: unknown option 'channels.${key}'`);
  for (const name of ['authorize', 'publish', 'historyFor'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') throw new TypeError(`lifeline: channels.${name} must be a function`);
  }
  const history = historyLimits('channels.history', o.history, DEFAULT_HISTORY);
  const historyFor = o.historyFor;
  const resolved: ResolvedChannelOptions = {
    authorize: o.authorize,
    publish: o.publish,
    history,
    limitsFor: historyFor ? (channel) => {
      const given = historyFor(channel);
      return given === undefined ? history : historyLimits(`channels.historyFor(${JSON.stringify(channel)})`, given, history);
    } : () => history,
    maxChannelsPerConnection: o.maxChannelsPerConnection ?? 128,
    maxNameLength: o.maxNameLength ?? 128,
    maxPublicationBytes: o.maxPublicationBytes ?? 32_768,
    subscribeRate: { perSecond: o.subscribeRate?.perSecond ?? 20, burst: o.subscribeRate?.burst ?? 200 },
    presenceFor: presenceRule(o.presence),
  };
  positive('channels.maxChannelsPerConnection', resolved.maxChannelsPerConnection);
  positive('channels.maxPublicationBytes', resolved.maxPublicationBytes);
  positive('channels.maxNameLength', resolved.maxNameLength);
  if (resolved.maxNameLength > 256) throw new RangeError('lifeline: channels.maxNameLength must be at most 256 (the protocol limit)');
  for (const [k, v] of Object.entries(resolved.subscribeRate)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`lifeline: channels.subscribeRate.${k} must be a positive number`);
  }
  return resolved;
}

function presenceRule(given: ChannelOptions['presence']): (channel: string) => boolean {
  if (given === undefined || typeof given === 'boolean') {
    const on = given === true;
    return () => on;
  }
  if (typeof given !== 'function') throw new TypeError('lifeline: channels.presence must be a boolean or a function of the channel name');
  return (channel) => given(channel) === true;
}

function historyLimits(name: string, given: Partial<HistoryLimits> | undefined, base: HistoryLimits): HistoryLimits {
  const limits: HistoryLimits = {
    maxPublications: given?.maxPublications ?? base.maxPublications,
    maxBytes: given?.maxBytes ?? base.maxBytes,
    maxAge: given?.maxAge ?? base.maxAge,
  };
  for (const [k, v] of Object.entries(limits)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`lifeline: ${name}.${k} must be a non-negative integer, got ${String(v)}`);
  }
  return limits;
}

function positive(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`lifeline: ${name} must be a positive integer, got ${String(value)}`);
}
