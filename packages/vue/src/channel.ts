// useChannel: a channel's state, last publication and presence as reactive refs, over a subscription shared by every component on the channel.

import type { LifelineError, PublicationMeta, SubscribedInfo, Subscription, SubscriptionState } from '@lifeline/client';
import type { AnySchema, ChannelData, ChannelName, Json, PresenceMember, Schema, StreamPosition } from '@lifeline/protocol';
import { computed, shallowRef, toValue, watch, type ComputedRef, type MaybeRefOrGetter } from 'vue';
import { retainChannel } from '@lifeline/client/stores';
import { INITIAL_CHANNEL, type ChannelSnapshot, type Publication } from '@lifeline/client/stores';
import { connectionStore } from '@lifeline/client/stores';
import { useErasedClient } from './context.js';
import { tracked } from '@lifeline/client/stores';

/** Options of {@link useChannel}. */
export interface UseChannelOptions<T extends Json = Json> {
  /** Recover from this position (a saved `position`); counts only when this makes the channel's subscription. @default none: from now */
  readonly since?: StreamPosition;
  /** Called with every publication from now on, once each, in offset order (to keep a list, say). @default none */
  readonly onPublication?: (data: T, meta: PublicationMeta) => void;
}

/** A channel as read-only refs; each changes only when its value does. */
export interface UseChannel<T extends Json = Json> {
  /** The whole snapshot, replaced on every change. */
  readonly snapshot: ComputedRef<ChannelSnapshot<T>>;
  readonly state: ComputedRef<SubscriptionState>;
  readonly position: ComputedRef<StreamPosition | undefined>;
  /** The last publication delivered on the channel (to any component), with its offset. */
  readonly last: ComputedRef<Publication<T> | undefined>;
  readonly subscribed: ComputedRef<SubscribedInfo | undefined>;
  readonly error: ComputedRef<LifelineError | undefined>;
  /** Presence channels: who is here. */
  readonly members: ComputedRef<readonly PresenceMember[]>;
  /** Presence channels: when identities that left while watched were last seen. */
  readonly lastSeen: ComputedRef<Readonly<Record<string, number>>>;
  /** The shared subscription (do not unsubscribe it: the binding does when the last component unmounts). */
  readonly subscription: ComputedRef<Subscription<T>>;
  /** Publish on the channel; the client's promise (resolves once the server acknowledged it). */
  publish(data: T, options?: { key?: string }): Promise<void>;
}

/**
 * Subscribe to `channel` while the component lives (call in `setup`). Components on the same channel
 * share one subscription; it is unsubscribed when the last of them unmounts. `channel` may be a ref
 * or getter: a new name lets go of the old channel and takes the new one.
 * @throws TypeError for an invalid channel name; Error outside `setup()` or without a provider.
 */
export function useChannel<S extends Schema = AnySchema, C extends ChannelName<S> = ChannelName<S>>(
  channel: MaybeRefOrGetter<C>,
  options: UseChannelOptions<ChannelData<S, C>> = {},
): UseChannel<ChannelData<S, C>> {
  type T = ChannelData<S, C>;
  const client = useErasedClient();
  const connection = connectionStore(client);
  const snapshot = shallowRef<ChannelSnapshot<T>>(INITIAL_CHANNEL);
  const subscription = shallowRef<Subscription<T>>();
  watch(
    () => toValue(channel),
    (name, _previous, onCleanup) => {
      const lease = retainChannel<T>(client, name, options.since ? { since: options.since } : undefined);
      const store = lease.store;
      snapshot.value = store.getSnapshot();
      subscription.value = store.subscription;
      const offs = [store.listen(() => void (snapshot.value = store.getSnapshot()))];
      if (options.onPublication) offs.push(store.subscription.on('publication', options.onPublication));
      onCleanup(() => {
        for (const off of offs) off();
        lease.release();
      });
    },
    { immediate: true },
  );
  const held = (): Subscription<T> => {
    const sub = subscription.value;
    if (!sub) throw new Error('@lifeline/vue: the channel has no subscription');
    return sub;
  };
  return {
    snapshot: computed(() => snapshot.value),
    state: computed(() => snapshot.value.state),
    position: computed(() => snapshot.value.position),
    last: computed(() => snapshot.value.last),
    subscribed: computed(() => snapshot.value.subscribed),
    error: computed(() => snapshot.value.error),
    members: computed(() => snapshot.value.presence.members),
    lastSeen: computed(() => snapshot.value.presence.lastSeen),
    subscription: computed(held),
    publish: (data, publishOptions = {}) => tracked(connection, held().publish(data, publishOptions)),
  };
}
