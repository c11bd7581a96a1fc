// One shared client per app: the Vue plugin and provideLifeline put it in the injection context; composables inject it.

import { LifelineClient, type LifelineClientOptions } from '@lifeline/client';
import type { AnySchema, Schema } from '@lifeline/protocol';
import type { UrlProvider } from '@lifeline/socket';
import { getCurrentInstance, hasInjectionContext, inject, onScopeDispose, provide, type App, type InjectionKey } from 'vue';
import { connectionStore } from '@lifeline/client/stores';
import { erase, typed, type ErasedClient } from '@lifeline/client/stores';

/** Where the client comes from: one the app made (never closed by the binding), or a URL for the binding to connect to (closed on unmount). */
export type LifelineSource<S extends Schema = AnySchema> =
  | { readonly client: LifelineClient<S> }
  | { readonly url: UrlProvider; readonly options?: LifelineClientOptions };

/** The injection key of the shared client. */
export const LIFELINE_KEY: InjectionKey<ErasedClient> = Symbol('lifeline');

/** A client the binding owns, made from `source` or taken from it; `owned` says whether the binding made it (and closes it). */
function open<S extends Schema>(source: LifelineSource<S>): { client: LifelineClient<S>; owned: boolean } {
  if ('client' in source) return { client: source.client, owned: false };
  return { client: new LifelineClient<S>(source.url, source.options), owned: true };
}

/**
 * Keep the connection store observed while the provider lives (so `useConnection().session` and
 * `.error` report what happened before a component looked), and close an owned client at the end.
 */
function hold(client: ErasedClient, owned: boolean): () => void {
  const stop = connectionStore(client).subscribe(() => {});
  return () => {
    stop();
    if (owned) client.close();
  };
}

/** The Vue plugin of {@link createLifeline}. */
export interface LifelinePlugin<S extends Schema = AnySchema> {
  /** The shared client: made on first read or on install, whichever comes first. */
  readonly client: LifelineClient<S>;
  install(app: App): void;
}

/**
 * A Vue plugin giving every component of the app one shared client: `app.use(createLifeline({ url }))`.
 * Given a `url`, the client is made once (on install, or on the first read of `plugin.client`) and
 * closed when the app unmounts; given a `client`, it is used as is and never closed by the binding.
 * @throws Error when installed into a second app.
 */
export function createLifeline<S extends Schema = AnySchema>(source: LifelineSource<S>): LifelinePlugin<S> {
  let opened: { client: LifelineClient<S>; owned: boolean } | undefined;
  let installed = false;
  const get = (): { client: LifelineClient<S>; owned: boolean } => (opened ??= open(source));
  return {
    get client() {
      return get().client;
    },
    install(app) {
      if (installed) throw new Error('@lifeline/vue: this plugin is already installed in an app; make one per app');
      installed = true;
      const { client, owned } = get();
      const erased = erase(client);
      app.provide(LIFELINE_KEY, erased);
      app.onUnmount(hold(erased, owned));
    },
  };
}

/**
 * Give this component's subtree its own client (call in `setup`): made from `url` and closed when
 * the component unmounts, or the `client` given (never closed by the binding).
 * @returns The client provided.
 * @throws Error outside a component's `setup`.
 */
export function provideLifeline<S extends Schema = AnySchema>(source: LifelineSource<S>): LifelineClient<S> {
  if (!getCurrentInstance()) throw new Error('@lifeline/vue: provideLifeline() must be called in a component setup()');
  const { client, owned } = open(source);
  const erased = erase(client);
  provide(LIFELINE_KEY, erased);
  onScopeDispose(hold(erased, owned));
  return client;
}

/**
 * The shared client (from {@link createLifeline} or the nearest {@link provideLifeline}).
 * `S` is the schema the client was made with: the caller asserts it (see `createLifelineComposables`).
 * @throws Error outside `setup()` or without a provider.
 */
export function useLifeline<S extends Schema = AnySchema>(): LifelineClient<S> {
  return typed<S>(useErasedClient());
}

/** The shared client, schema erased, for the composables' stores. */
export function useErasedClient(): ErasedClient {
  if (!hasInjectionContext()) throw new Error('@lifeline/vue: composables must be called in setup() (or app.runWithContext)');
  const client = inject(LIFELINE_KEY, null);
  if (!client) throw new Error('@lifeline/vue: no Lifeline client; app.use(createLifeline({ url })) or provideLifeline() in an ancestor');
  return client;
}
