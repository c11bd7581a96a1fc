// The hooks bound to one schema, so channel names, payloads, messages and RPC are typed without a type argument at every call.

import type { CallOptions, LifelineClient, SendOptions } from '@lifeline/client';
import type { ChannelData, ChannelName, MethodName, ParamsOf, ResultOf, Schema, UpOf } from '@lifeline/protocol';
import { useCall, useSend, type CallState } from './actions.js';
import { useChannel, usePresence, type ChannelView, type UseChannelOptions } from './channel.js';
import type { PresenceSnapshot } from '@lifeline/client/stores';
import { useConnection, useLifelineEvent, type ClientEvents } from './connection.js';
import type { ConnectionSnapshot } from '@lifeline/client/stores';
import { useLifelineClient } from './context.js';
import { useLastSeen, type LastSeen } from './presence.js';

/** Every hook with the app's schema `S` applied. */
export interface LifelineHooks<S extends Schema> {
  useLifelineClient(): LifelineClient<S>;
  useConnection(): ConnectionSnapshot;
  useLifelineEvent<K extends keyof ClientEvents<S>>(type: K, listener: (...args: ClientEvents<S>[K]) => void): void;
  useChannel<C extends ChannelName<S>>(channel: C, options?: UseChannelOptions<ChannelData<S, C>>): ChannelView<ChannelData<S, C>>;
  usePresence<C extends ChannelName<S>>(channel: C): PresenceSnapshot;
  useLastSeen(ids: readonly string[], options?: CallOptions): LastSeen;
  useSend(): (data: UpOf<S>, options?: SendOptions) => Promise<void>;
  useCall<M extends MethodName<S>>(method: M): CallState<ParamsOf<S, M>, ResultOf<S, M>>;
}

/**
 * The hooks typed by the app's schema (no runtime cost): `export const { useChannel, useCall } =
 * createLifelineHooks<Chat>()`. The schema is the caller's word for the provided client's.
 */
export function createLifelineHooks<S extends Schema>(): LifelineHooks<S> {
  return {
    useLifelineClient: () => useLifelineClient<S>(),
    useConnection,
    useLifelineEvent: <K extends keyof ClientEvents<S>>(type: K, listener: (...args: ClientEvents<S>[K]) => void) => useLifelineEvent<S, K>(type, listener),
    useChannel: <C extends ChannelName<S>>(channel: C, options?: UseChannelOptions<ChannelData<S, C>>) => useChannel<S, C>(channel, options),
    usePresence: <C extends ChannelName<S>>(channel: C) => usePresence<S, C>(channel),
    useLastSeen,
    useSend: () => useSend<S>(),
    useCall: <M extends MethodName<S>>(method: M) => useCall<S, M>(method),
  };
}
