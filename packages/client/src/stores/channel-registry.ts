// Reference-counted channels per client: components share one subscription per channel, unsubscribed only after the last one lets go.

import type { SubscribeOptions } from '../index.js';
import type { Json } from '@lifeline/protocol';
import { ChannelStore } from './channel-store.js';
import type { ErasedClient } from './erased.js';

/** A component's hold on a channel. */
export interface ChannelLease<T extends Json = Json> {
  readonly store: ChannelStore<T>;
  /** Let go (idempotent). The last release unsubscribes, a microtask later, unless someone takes the channel again first. */
  release(): void;
}

interface Entry {
  readonly store: ChannelStore;
  holders: number;
}

const registries = new WeakMap<ErasedClient, Map<string, Entry>>();

function registry(client: ErasedClient): Map<string, Entry> {
  let map = registries.get(client);
  if (!map) registries.set(client, (map = new Map()));
  return map;
}

/**
 * Hold `channel` on `client`: the live subscription if one is held, else a new one (`options` count
 * only then). A subscription the server ended is replaced for new holders; its old holders keep it.
 * A subscription made with `client.subscribe` outside the binding is shared, and unsubscribed when
 * the binding's last holder lets go.
 */
export function retainChannel<T extends Json = Json>(client: ErasedClient, channel: string, options?: SubscribeOptions): ChannelLease<T> {
  const map = registry(client);
  let entry = map.get(channel);
  if (!entry || entry.store.subscription.state === 'unsubscribed') {
    entry = { store: new ChannelStore(client.subscribe(channel, options)), holders: 0 };
    map.set(channel, entry);
  }
  const held = entry;
  held.holders++;
  let released = false;
  return {
    // The registry is keyed by name; the schema gives the name its payload type.
    store: held.store as unknown as ChannelStore<T>,
    release() {
      if (released) return;
      released = true;
      if (--held.holders > 0) return;
      // StrictMode's unmount-and-mount again, or a component replaced by another on the same channel
      // in the same tick: neither should cost an unsub and a sub (nor a presence leave and join).
      void Promise.resolve().then(() => {
        if (held.holders > 0) return;
        if (map.get(channel) === held) map.delete(channel);
        held.store.dispose();
        held.store.subscription.unsubscribe();
      });
    },
  };
}

/** The store of `channel` if a component holds it (for a first render before the hold is taken). */
export function peekChannel<T extends Json = Json>(client: ErasedClient, channel: string): ChannelStore<T> | undefined {
  const entry = registries.get(client)?.get(channel);
  return entry && entry.store.subscription.state !== 'unsubscribed' ? (entry.store as unknown as ChannelStore<T>) : undefined;
}
