// The composables bound to one schema, so channel names, payloads, messages and RPC are typed without a type argument at every call.

import type { CallOptions, LifelineClient, SendOptions } from '@lifeline/client';
import type { ChannelData, ChannelName, MethodName, ParamsOf, ResultOf, Schema, UpOf } from '@lifeline/protocol';
import type { MaybeRefOrGetter } from 'vue';
import { useCall, useSend, type UseCall } from './actions.js';
import { useChannel, type UseChannel, type UseChannelOptions } from './channel.js';
import { useConnection, useLifelineEvent, type ClientEvents, type UseConnection } from './connection.js';
import { useLifeline } from './context.js';
import { useLastSeen, usePresence, type UseLastSeen, type UsePresence } from './presence.js';

/** Every composable with the app's schema `S` applied. */
export interface LifelineComposables<S extends Schema> {
  useLifeline(): LifelineClient<S>;
  useConnection(): UseConnection;
  useLifelineEvent<K extends keyof ClientEvents<S>>(type: K, listener: (...args: ClientEvents<S>[K]) => void): () => void;
  useChannel<C extends ChannelName<S>>(channel: MaybeRefOrGetter<C>, options?: UseChannelOptions<ChannelData<S, C>>): UseChannel<ChannelData<S, C>>;
  usePresence<C extends ChannelName<S>>(channel: MaybeRefOrGetter<C>): UsePresence;
  useLastSeen(ids: MaybeRefOrGetter<readonly string[]>, options?: CallOptions): UseLastSeen;
  useSend(): (data: UpOf<S>, options?: SendOptions) => Promise<void>;
  useCall<M extends MethodName<S>>(method: M): UseCall<ParamsOf<S, M>, ResultOf<S, M>>;
}

/**
 * The composables typed by the app's schema (no runtime cost): `export const { useChannel, useCall }
 * = createLifelineComposables<Chat>()`. The schema is the caller's word for the provided client's.
 */
export function createLifelineComposables<S extends Schema>(): LifelineComposables<S> {
  return {
    useLifeline: () => useLifeline<S>(),
    useConnection,
    useLifelineEvent: <K extends keyof ClientEvents<S>>(type: K, listener: (...args: ClientEvents<S>[K]) => void) => useLifelineEvent<S, K>(type, listener),
    useChannel: <C extends ChannelName<S>>(channel: MaybeRefOrGetter<C>, options?: UseChannelOptions<ChannelData<S, C>>) => useChannel<S, C>(channel, options),
    usePresence: <C extends ChannelName<S>>(channel: MaybeRefOrGetter<C>) => usePresence<S, C>(channel),
    useLastSeen,
    useSend: () => useSend<S>(),
    useCall: <M extends MethodName<S>>(method: M) => useCall<S, M>(method),
  };
}
