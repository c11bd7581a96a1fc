// useLastSeen: presence of identities by id through client.presence, queried on mount and when the ids change (by value).

import type { CallOptions } from '@lifeline/client';
import type { IdentityPresence } from '@lifeline/protocol';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useErasedClient, useLatest } from './context.js';

/** The state of the latest presence query, and a way to ask again; the same object between changes. */
export interface LastSeen {
  /** The last answer: identities the server lets us see, online or with `lastSeen`. @default undefined until the first answer */
  readonly presence: Readonly<Record<string, IdentityPresence>> | undefined;
  /** Why the last query failed (a `LifelineError`), undefined after a success. */
  readonly error: unknown;
  readonly pending: boolean;
  /** Ask again: the client's promise. Stable while the ids are the same. */
  refresh(): Promise<Record<string, IdentityPresence>>;
}

interface QueryState {
  readonly presence: Readonly<Record<string, IdentityPresence>> | undefined;
  readonly error: unknown;
  readonly pending: boolean;
}

/**
 * Query `client.presence(ids)` on mount and whenever `ids` change by value (at most 100 ids); the
 * answer of a superseded query is dropped. Under StrictMode the mount queries once, not twice.
 */
export function useLastSeen(ids: readonly string[], options: CallOptions = {}): LastSeen {
  const client = useErasedClient();
  const key = JSON.stringify(ids);
  // Keyed by the ids' value: a new array with the same ids is the same query.
  const wanted = useMemo(() => [...ids], [key]);
  const latestOptions = useLatest(options);
  const [state, setState] = useState<QueryState>({ presence: undefined, error: undefined, pending: true });
  const generation = useRef(0);
  const refresh = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => (s.pending ? s : { ...s, pending: true }));
    const query = client.presence(wanted, latestOptions.current);
    query.then(
      (presence) => {
        if (mine === generation.current) setState({ presence, error: undefined, pending: false });
      },
      (error: unknown) => {
        if (mine === generation.current) setState((s) => ({ ...s, error, pending: false }));
      },
    );
    return query;
  }, [client, wanted, latestOptions]);
  useEffect(() => {
    // A microtask later, so StrictMode's mount, unmount and mount again asks once.
    let cancelled = false;
    void Promise.resolve().then(() => {
      if (!cancelled) refresh().catch(() => {});
    });
    return () => {
      cancelled = true;
      generation.current++;
    };
  }, [refresh]);
  return useMemo(() => ({ ...state, refresh }), [state, refresh]);
}
