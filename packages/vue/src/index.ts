// @lifeline/vue: Vue 3 composables over the Lifeline client: one shared connection per app, channels, presence, sending and RPC.
export { createLifeline, provideLifeline, useLifeline, LIFELINE_KEY, type LifelinePlugin, type LifelineSource } from './context.js';
export { useConnection, useLifelineEvent, type ClientEvents, type UseConnection } from './connection.js';
export { useChannel, type UseChannel, type UseChannelOptions } from './channel.js';
export { useLastSeen, usePresence, type UseLastSeen, type UsePresence } from './presence.js';
export { useCall, useSend, type UseCall } from './actions.js';
export { createLifelineComposables, type LifelineComposables } from './typed.js';
export type { ConnectionSnapshot } from '@lifeline/client/stores';
export type { ChannelSnapshot, PresenceSnapshot, Publication } from '@lifeline/client/stores';
export type { ErasedClient } from '@lifeline/client/stores';
