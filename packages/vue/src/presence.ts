// Presence composables: who is on a channel (from its join and leave events), and when identities were last seen (client.presence).

import type { CallOptions, SubscriptionState } from '@lifeline/client';
import type { AnySchema, ChannelName, IdentityPresence, PresenceMember, Schema } from '@lifeline/protocol';
import { computed, onScopeDispose, shallowRef, toValue, watch, type ComputedRef, type MaybeRefOrGetter } from 'vue';
import { useChannel } from './channel.js';
import { useErasedClient } from './context.js';

/** Who is on a presence channel, as read-only refs. */
export interface UsePresence {
  readonly members: ComputedRef<readonly PresenceMember[]>;
  /** When identities that left while watched were last seen (ms since the epoch). */
  readonly lastSeen: ComputedRef<Readonly<Record<string, number>>>;
  readonly state: ComputedRef<SubscriptionState>;
}

/**
 * The members of presence channel `channel` while the component lives: subscribes (shared with any
 * `useChannel` on it) and follows its join and leave events.
 * @throws as {@link useChannel}.
 */
export function usePresence<S extends Schema = AnySchema, C extends ChannelName<S> = ChannelName<S>>(channel: MaybeRefOrGetter<C>): UsePresence {
  const { members, lastSeen, state } = useChannel<S, C>(channel);
  return { members, lastSeen, state };
}

/** Presence of identities by id, as refs; see {@link useLastSeen}. */
export interface UseLastSeen {
  /** The last answer: identities the server lets us see, online or with `lastSeen`. @default undefined until the first answer */
  readonly presence: ComputedRef<Readonly<Record<string, IdentityPresence>> | undefined>;
  /** Why the last query failed (a `LifelineError`), undefined after a success. */
  readonly error: ComputedRef<unknown>;
  readonly pending: ComputedRef<boolean>;
  /** Ask again; the client's promise. */
  refresh(): Promise<Record<string, IdentityPresence>>;
}

/**
 * Query `client.presence(ids)` now and whenever `ids` change (by value); results of a superseded
 * query or after unmount are dropped. At most 100 ids (the server's limit).
 */
export function useLastSeen(ids: MaybeRefOrGetter<readonly string[]>, options: CallOptions = {}): UseLastSeen {
  const client = useErasedClient();
  const presence = shallowRef<Readonly<Record<string, IdentityPresence>>>();
  const error = shallowRef<unknown>();
  const pending = shallowRef(false);
  let generation = 0;
  let live = true;
  onScopeDispose(() => void (live = false));
  const refresh = (): Promise<Record<string, IdentityPresence>> => {
    const mine = ++generation;
    pending.value = true;
    const query = client.presence(toValue(ids), options);
    const current = (): boolean => live && mine === generation;
    query.then(
      (answer) => {
        if (!current()) return;
        presence.value = answer;
        error.value = undefined;
        pending.value = false;
      },
      (failure: unknown) => {
        if (!current()) return;
        error.value = failure;
        pending.value = false;
      },
    );
    return query;
  };
  // By value: a new array with the same ids is not a new query.
  watch(() => JSON.stringify(toValue(ids)), () => void refresh().catch(() => {}), { immediate: true });
  return { presence: computed(() => presence.value), error: computed(() => error.value), pending: computed(() => pending.value), refresh };
}
