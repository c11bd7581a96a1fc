// Sending and RPC: stable functions returning the client's own promises, and a call's pending, result and error as state.

import type { CallOptions, SendOptions } from '@lifeline/client';
import type { AnySchema, MethodName, ParamsOf, ResultOf, Schema, UpOf } from '@lifeline/protocol';
import { useCallback, useMemo, useRef, useState } from 'react';
import { connectionStore } from '@lifeline/client/stores';
import { useErasedClient } from './context.js';
import { typed } from '@lifeline/client/stores';
import { tracked } from '@lifeline/client/stores';

/**
 * A stable function sending a message through the shared client: `client.send`'s promise (resolves
 * once the server acknowledged it, after reconnects if need be).
 */
export function useSend<S extends Schema = AnySchema>(): (data: UpOf<S>, options?: SendOptions) => Promise<void> {
  const client = useErasedClient();
  return useCallback((data: UpOf<S>, options?: SendOptions) => tracked(connectionStore(client), typed<S>(client).send(data, options)), [client]);
}

/** An RPC method as a stable function, and the state of its latest call; the same object between changes. */
export interface CallState<P, R> {
  /** Call the method: `client.call`'s promise. Every call runs; the state follows the latest one. */
  call(params?: P, options?: CallOptions): Promise<R>;
  /** A call is in flight. */
  readonly pending: boolean;
  /** The latest call's result. @default undefined until a call resolves */
  readonly result: R | undefined;
  /** The latest call's rejection (a `LifelineError`), undefined after a success. */
  readonly error: unknown;
}

interface Settled<R> {
  readonly inFlight: number;
  readonly result: R | undefined;
  readonly error: unknown;
}

/** Call `method` of the schema's RPC from event handlers or effects (not during render). */
export function useCall<S extends Schema = AnySchema, M extends MethodName<S> = MethodName<S>>(method: M): CallState<ParamsOf<S, M>, ResultOf<S, M>> {
  type R = ResultOf<S, M>;
  const client = useErasedClient();
  const [state, setState] = useState<Settled<R>>({ inFlight: 0, result: undefined, error: undefined });
  const latest = useRef(0);
  const call = useCallback(
    (params?: ParamsOf<S, M>, options?: CallOptions): Promise<R> => {
      const mine = ++latest.current;
      setState((s) => ({ ...s, inFlight: s.inFlight + 1 }));
      const answer = tracked(connectionStore(client), typed<S>(client).call(method, params, options));
      answer.then(
        (result) => setState((s) => (mine === latest.current ? { inFlight: s.inFlight - 1, result, error: undefined } : { ...s, inFlight: s.inFlight - 1 })),
        (error: unknown) => setState((s) => (mine === latest.current ? { ...s, inFlight: s.inFlight - 1, error } : { ...s, inFlight: s.inFlight - 1 })),
      );
      return answer;
    },
    [client, method],
  );
  return useMemo(() => ({ call, pending: state.inFlight > 0, result: state.result, error: state.error }), [call, state]);
}
