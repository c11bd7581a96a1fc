// The shared client in React context, and the hooks' way to it.

import type { LifelineClient } from '@lifeline/client';
import type { AnySchema, Schema } from '@lifeline/protocol';
import { createContext, useContext, useLayoutEffect, useRef, type RefObject } from 'react';
import { typed, type ErasedClient } from '@lifeline/client/stores';

/** The context {@link LifelineProvider} fills: the app's one client (schema erased), or null outside a provider. */
export const LifelineContext = createContext<ErasedClient | null>(null);

/** The shared client, schema erased, for the hooks' stores. @throws Error outside a `<LifelineProvider>`. */
export function useErasedClient(): ErasedClient {
  const client = useContext(LifelineContext);
  if (!client) throw new Error('@lifeline/react: no Lifeline client; render this inside <LifelineProvider>');
  return client;
}

/**
 * The shared client of the nearest {@link LifelineProvider}. `S` is the schema the client was made
 * with: the caller asserts it (see `createLifelineHooks`).
 * @throws Error outside a `<LifelineProvider>`.
 */
export function useLifelineClient<S extends Schema = AnySchema>(): LifelineClient<S> {
  return typed<S>(useErasedClient());
}

/** A ref always holding the latest `value` (set before effects run), for callbacks the hooks call later. */
export function useLatest<T>(value: T): RefObject<T> {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
