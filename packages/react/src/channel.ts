// useChannel and usePresence: a channel's snapshot through useSyncExternalStore, over a subscription shared by every component on the channel.

import type { PublicationMeta, SendOptions } from '@lifeline/client';
import type { AnySchema, ChannelData, ChannelName, Json, Schema, StreamPosition } from '@lifeline/protocol';
import { useCallback, useMemo, useSyncExternalStore, type RefObject } from 'react';
import { peekChannel, retainChannel, type ChannelLease } from '@lifeline/client/stores';
import { INITIAL_CHANNEL, type ChannelSnapshot, type PresenceSnapshot } from '@lifeline/client/stores';
import { connectionStore } from '@lifeline/client/stores';
import { useErasedClient, useLatest } from './context.js';
import { typed, type ErasedClient } from '@lifeline/client/stores';
import { tracked } from '@lifeline/client/stores';

/** Options of {@link useChannel}. */
export interface UseChannelOptions<T extends Json = Json> {
  /** Recover from this position (a saved `position`); counts only when this makes the channel's subscription. @default none: from now */
  readonly since?: StreamPosition;
  /** Called with every publication while mounted, once each, in offset order (the latest function is called). @default none */
  readonly onPublication?: (data: T, meta: PublicationMeta) => void;
}

/** A channel's snapshot and a way to publish on it; the same object between changes. */
export interface ChannelView<T extends Json = Json> extends ChannelSnapshot<T> {
  /** Publish on the channel: the client's promise (resolves once the server acknowledged it). Stable per channel. */
  publish(data: T, options?: SendOptions): Promise<void>;
}

type Listener<T extends Json> = ((data: T, meta: PublicationMeta) => void) | undefined;

/** The store of one component on one channel: its hold is taken in `subscribe` (an effect), never during render. */
interface View<T extends Json> {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): ChannelSnapshot<T>;
}

function view<T extends Json>(client: ErasedClient, channel: string, since: StreamPosition | undefined, onPublication: RefObject<Listener<T>>): View<T> {
  let lease: ChannelLease<T> | undefined;
  return {
    subscribe(onChange) {
      const held = retainChannel<T>(client, channel, since ? { since } : undefined);
      lease = held;
      const offs = [held.store.listen(onChange), held.store.subscription.on('publication', (data, meta) => onPublication.current?.(data, meta))];
      return () => {
        for (const off of offs) off();
        held.release();
        if (lease === held) lease = undefined;
      };
    },
    // Before the hold (the first render): the store another component holds, else the initial snapshot.
    getSnapshot: () => (lease?.store ?? peekChannel<T>(client, channel))?.getSnapshot() ?? INITIAL_CHANNEL,
  };
}

function useView<T extends Json>(channel: string, options: UseChannelOptions<T>): { client: ErasedClient; store: View<T> } {
  const client = useErasedClient();
  const onPublication = useLatest<Listener<T>>(options.onPublication);
  const since = options.since;
  // `since` counts when the hold is taken: a new object each render must not make a new view.
  const sinceKey = since ? `${since.epoch}:${since.offset}` : '';
  const store = useMemo(() => view<T>(client, channel, since, onPublication), [client, channel, sinceKey, onPublication]);
  return { client, store };
}

/**
 * Subscribe to `channel` while the component is mounted. Components on the same channel share one
 * subscription; it is unsubscribed a microtask after the last of them unmounts, so StrictMode's
 * unmount-and-mount-again costs nothing on the wire.
 * @throws TypeError for an invalid channel name (when the hold is taken); Error outside a provider.
 */
export function useChannel<S extends Schema = AnySchema, C extends ChannelName<S> = ChannelName<S>>(
  channel: C,
  options: UseChannelOptions<ChannelData<S, C>> = {},
): ChannelView<ChannelData<S, C>> {
  type T = ChannelData<S, C>;
  const { client, store } = useView<T>(channel, options);
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  const publish = useCallback(
    (data: T, publishOptions?: SendOptions) => tracked(connectionStore(client), typed<S>(client).publish(channel, data, publishOptions)),
    [client, channel],
  );
  return useMemo(() => ({ ...snapshot, publish }), [snapshot, publish]);
}

/**
 * Who is on presence channel `channel` while the component is mounted (subscribes, shared with any
 * `useChannel` on it); re-renders only when members or last-seen times change.
 */
export function usePresence<S extends Schema = AnySchema, C extends ChannelName<S> = ChannelName<S>>(channel: C): PresenceSnapshot {
  const { store } = useView<ChannelData<S, C>>(channel, {});
  const presence = useCallback((): PresenceSnapshot => store.getSnapshot().presence, [store]);
  return useSyncExternalStore(store.subscribe, presence, presence);
}
