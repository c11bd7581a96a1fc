// Sending and RPC: helpers that return the client's own promises, and a call's pending, result and error as refs.

import type { CallOptions, SendOptions } from '@lifeline/client';
import type { AnySchema, MethodName, ParamsOf, ResultOf, Schema, UpOf } from '@lifeline/protocol';
import { computed, onScopeDispose, shallowRef, type ComputedRef } from 'vue';
import { connectionStore } from '@lifeline/client/stores';
import { useErasedClient } from './context.js';
import { typed } from '@lifeline/client/stores';
import { tracked } from '@lifeline/client/stores';

/**
 * A function sending a message through the shared client: `client.send`'s promise (resolves once
 * the server acknowledged it, after reconnects if need be).
 */
export function useSend<S extends Schema = AnySchema>(): (data: UpOf<S>, options?: SendOptions) => Promise<void> {
  const erased = useErasedClient();
  const client = typed<S>(erased);
  const connection = connectionStore(erased);
  return (data, options) => tracked(connection, client.send(data, options));
}

/** An RPC method as a function and the state of its latest call. */
export interface UseCall<P, R> {
  /** Call the method: `client.call`'s promise. Every call runs; the refs follow the latest one. */
  call(params?: P, options?: CallOptions): Promise<R>;
  /** A call is in flight. */
  readonly pending: ComputedRef<boolean>;
  /** The latest call's result. @default undefined until a call resolves */
  readonly result: ComputedRef<R | undefined>;
  /** The latest call's rejection (a `LifelineError`), undefined after a success. */
  readonly error: ComputedRef<unknown>;
}

/** Call `method` of the schema's RPC; refs of a superseded call or after unmount are not updated. */
export function useCall<S extends Schema = AnySchema, M extends MethodName<S> = MethodName<S>>(method: M): UseCall<ParamsOf<S, M>, ResultOf<S, M>> {
  const erased = useErasedClient();
  const client = typed<S>(erased);
  const connection = connectionStore(erased);
  const result = shallowRef<ResultOf<S, M>>();
  const error = shallowRef<unknown>();
  const inFlight = shallowRef(0);
  let latest = 0;
  let live = true;
  onScopeDispose(() => void (live = false));
  const call = (params?: ParamsOf<S, M>, options?: CallOptions): Promise<ResultOf<S, M>> => {
    const mine = ++latest;
    inFlight.value++;
    const answer = tracked(connection, client.call(method, params, options));
    answer.then(
      (value) => {
        if (!live) return;
        inFlight.value--;
        if (mine !== latest) return;
        result.value = value;
        error.value = undefined;
      },
      (failure: unknown) => {
        if (!live) return;
        inFlight.value--;
        if (mine === latest) error.value = failure;
      },
    );
    return answer;
  };
  return { call, pending: computed(() => inFlight.value > 0), result: computed(() => result.value), error: computed(() => error.value) };
}
