// Composables of the connection: its state as reactive refs, and client events for as long as the component lives.

import type { ClientState, HandshakePhase, LifelineClientEventMap, LifelineError, SessionInfo } from '@lifeline/client';
import type { AnySchema, DownOf, Schema } from '@lifeline/protocol';
import { computed, onScopeDispose, shallowRef, type ComputedRef } from 'vue';
import { connectionStore, type ConnectionSnapshot } from '@lifeline/client/stores';
import { useErasedClient, useLifeline } from './context.js';

/** The connection as read-only refs; each changes only when its value does. */
export interface UseConnection {
  /** The whole snapshot, replaced on every change. */
  readonly snapshot: ComputedRef<ConnectionSnapshot>;
  readonly state: ComputedRef<ClientState>;
  readonly phase: ComputedRef<HandshakePhase>;
  readonly ready: ComputedRef<boolean>;
  readonly sessionId: ComputedRef<string | undefined>;
  readonly outboxSize: ComputedRef<number>;
  readonly rtt: ComputedRef<number | undefined>;
  readonly session: ComputedRef<SessionInfo | undefined>;
  readonly error: ComputedRef<LifelineError | undefined>;
}

/** The shared client's connection state, reactive; the listener goes when the component (or effect scope) does. */
export function useConnection(): UseConnection {
  const store = connectionStore(useErasedClient());
  const snapshot = shallowRef(store.getSnapshot());
  onScopeDispose(store.subscribe(() => void (snapshot.value = store.getSnapshot())));
  const field = <K extends keyof ConnectionSnapshot>(key: K): ComputedRef<ConnectionSnapshot[K]> => computed(() => snapshot.value[key]);
  return {
    snapshot: computed(() => snapshot.value),
    state: field('state'),
    phase: field('phase'),
    ready: field('ready'),
    sessionId: field('sessionId'),
    outboxSize: field('outboxSize'),
    rtt: field('rtt'),
    session: field('session'),
    error: field('error'),
  };
}

/** The client's event map for schema `S` (server messages typed by `S['down']`). */
export type ClientEvents<S extends Schema = AnySchema> = LifelineClientEventMap<DownOf<S>>;

/**
 * Listen to a client event (`message`, `session`, `error`, …) while the component lives.
 * @returns The function that stops listening early (idempotent).
 */
export function useLifelineEvent<S extends Schema = AnySchema, K extends keyof ClientEvents<S> = keyof ClientEvents<S>>(
  type: K,
  listener: (...args: ClientEvents<S>[K]) => void,
): () => void {
  const off = useLifeline<S>().on(type, listener);
  onScopeDispose(off);
  return off;
}
