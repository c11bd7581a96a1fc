// @lifeline/react: React hooks over the Lifeline client on useSyncExternalStore: one shared connection per provider, channels, presence, sending and RPC.
export { LifelineProvider, type LifelineProviderProps, type LifelineSource } from './provider.js';
export { LifelineContext, useLifelineClient } from './context.js';
export { useConnection, useLifelineEvent, type ClientEvents } from './connection.js';
export { useChannel, usePresence, type ChannelView, type UseChannelOptions } from './channel.js';
export { useLastSeen, type LastSeen } from './presence.js';
export { useCall, useSend, type CallState } from './actions.js';
export { createLifelineHooks, type LifelineHooks } from './typed.js';
export type { ConnectionSnapshot } from '@lifeline/client/stores';
export type { ChannelSnapshot, PresenceSnapshot, Publication } from '@lifeline/client/stores';
export type { ErasedClient } from '@lifeline/client/stores';
