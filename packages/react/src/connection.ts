// Hooks of the connection: its snapshot through useSyncExternalStore, and client events while the component is mounted.

import type { LifelineClientEventMap } from '@lifeline/client';
import type { AnySchema, DownOf, Schema } from '@lifeline/protocol';
import { useEffect, useSyncExternalStore } from 'react';
import { connectionStore, type ConnectionSnapshot } from '@lifeline/client/stores';
import { useErasedClient, useLatest, useLifelineClient } from './context.js';

/** The shared client's connection state; the same object between changes. */
export function useConnection(): ConnectionSnapshot {
  const store = connectionStore(useErasedClient());
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** The client's event map for schema `S` (server messages typed by `S['down']`). */
export type ClientEvents<S extends Schema = AnySchema> = LifelineClientEventMap<DownOf<S>>;

/**
 * Listen to a client event (`message`, `session`, `error`, …) while the component is mounted. The
 * latest `listener` is called; a new function each render does not re-subscribe.
 */
export function useLifelineEvent<S extends Schema = AnySchema, K extends keyof ClientEvents<S> = keyof ClientEvents<S>>(
  type: K,
  listener: (...args: ClientEvents<S>[K]) => void,
): void {
  const client = useLifelineClient<S>();
  const latest = useLatest(listener);
  useEffect(() => client.on(type, (...args: ClientEvents<S>[K]) => latest.current(...args)), [client, type, latest]);
}
