// The application's schema as one type: message data both ways, channel payloads by name or pattern, RPC parameters and results.

import type { Json } from './messages.js';

/** One RPC method's types. */
export interface MethodTypes {
  readonly params: Json;
  readonly result: Json;
}

/**
 * What an application sends over Lifeline, as one type parameter shared by client and server:
 * `up` is what clients send (`client.send`, the server's `message` event), `down` what the server
 * sends (`session.send`, `broadcast`, the client's `message` event), `channels` the payload of each
 * channel (keys may be patterns: `` `room:${string}` ``), `rpc` each method's params and result.
 * Every part is optional and falls back to any JSON.
 *
 * @example
 * interface Chat extends Schema {
 *   up: { text: string };
 *   down: { notice: string };
 *   channels: { [room: `room:${string}`]: { from: string; text: string } };
 *   rpc: { history: { params: { room: string }; result: string[] } };
 * }
 */
export interface Schema {
  readonly up?: Json;
  readonly down?: Json;
  readonly channels?: { readonly [channel: string]: Json };
  readonly rpc?: { readonly [method: string]: MethodTypes };
}

/** The schema of an untyped application: JSON everywhere. */
export interface AnySchema extends Schema {
  readonly up: Json;
  readonly down: Json;
  readonly channels: { readonly [channel: string]: Json };
  readonly rpc: { readonly [method: string]: MethodTypes };
}

/** What clients send. */
export type UpOf<S extends Schema> = S['up'] extends Json ? S['up'] : Json;
/** What the server sends. */
export type DownOf<S extends Schema> = S['down'] extends Json ? S['down'] : Json;

type Channels<S extends Schema> = S['channels'] extends { readonly [channel: string]: Json } ? S['channels'] : AnySchema['channels'];
type Methods<S extends Schema> = S['rpc'] extends { readonly [method: string]: MethodTypes } ? S['rpc'] : AnySchema['rpc'];

/** The channel names (and patterns) of the schema. */
export type ChannelName<S extends Schema> = Extract<keyof Channels<S>, string>;
/** The payload of channel `C`: of every key (name or pattern) that `C` matches. */
export type ChannelData<S extends Schema, C extends string> = { [K in keyof Channels<S>]: C extends K ? Channels<S>[K] : never }[keyof Channels<S>];
/** The method names of the schema. */
export type MethodName<S extends Schema> = Extract<keyof Methods<S>, string>;
/** The params of method `M`. */
export type ParamsOf<S extends Schema, M extends string> = M extends keyof Methods<S> ? Methods<S>[M]['params'] : never;
/** The result of method `M`. */
export type ResultOf<S extends Schema, M extends string> = M extends keyof Methods<S> ? Methods<S>[M]['result'] : never;
