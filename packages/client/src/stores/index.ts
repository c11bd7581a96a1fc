// @lifeline/client/stores: framework-neutral snapshot stores over a client (connection, channels, presence) that the Vue and React bindings share.
export { ChannelStore, INITIAL_CHANNEL, type ChannelSnapshot, type PresenceSnapshot, type Publication } from './channel-store.js';
export { ConnectionStore, connectionStore, type ConnectionSnapshot } from './connection-store.js';
export { peekChannel, retainChannel, type ChannelLease } from './channel-registry.js';
export { erase, typed, type ErasedClient } from './erased.js';
export { tracked } from './track.js';
