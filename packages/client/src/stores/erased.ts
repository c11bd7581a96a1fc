// The client with its schema erased, as the binding's shared stores hold it; the public API puts the schema back.

import type { LifelineClient } from '../index.js';
import type { AnySchema, Schema } from '@lifeline/protocol';

/** A client of any schema, as stored in the app-wide context and the per-client stores. */
export type ErasedClient = LifelineClient<AnySchema>;

/**
 * Forget the schema. `LifelineClient<S>` is not assignable to `LifelineClient<AnySchema>` (its
 * subscriptions are invariant in their payload), so the one cast the binding needs lives here.
 */
export function erase<S extends Schema>(client: LifelineClient<S>): ErasedClient {
  return client as unknown as ErasedClient;
}

/** Give the schema back: the caller asserts which schema the app's client was created with. */
export function typed<S extends Schema>(client: ErasedClient): LifelineClient<S> {
  return client as unknown as LifelineClient<S>;
}
