// LifelineProvider: one client for the app, made in an effect (never during render) and closed on unmount only if the provider made it; StrictMode's remount keeps the one connection.

import { LifelineClient, type LifelineClientOptions } from '@lifeline/client';
import type { AnySchema, Schema } from '@lifeline/protocol';
import type { UrlProvider } from '@lifeline/socket';
import { createElement, Fragment, useLayoutEffect, useRef, useState, type ReactElement, type ReactNode } from 'react';
import { connectionStore } from '@lifeline/client/stores';
import { LifelineContext } from './context.js';
import { erase, type ErasedClient } from '@lifeline/client/stores';

/** Where the client comes from: one the app made (never closed by the provider), or a URL for the provider to connect to. */
export type LifelineSource<S extends Schema = AnySchema> =
  | { readonly client: LifelineClient<S>; readonly url?: never; readonly options?: never }
  | { readonly url: UrlProvider; readonly options?: LifelineClientOptions; readonly client?: never };

/** Props of {@link LifelineProvider}. */
export type LifelineProviderProps<S extends Schema = AnySchema> = LifelineSource<S> & {
  readonly children?: ReactNode;
  /** Rendered instead of `children` until the provider's own client exists (its first effect; on the server, always). @default null */
  readonly fallback?: ReactNode;
};

/** The client the provider made, and whether it is closing (a microtask from now) or closed. */
interface Owned {
  readonly client: ErasedClient;
  closing: boolean;
  closed: boolean;
}

/**
 * Gives its subtree one shared client. Given `client`, it is used as is and never closed here.
 * Given `url` (and `options`, both read once), the provider makes the client in its first effect,
 * so a render that React throws away, or renders twice, makes none; it closes it a microtask after
 * unmount, unless mounted again first (StrictMode), and reconnects it if mounted again later.
 */
export function LifelineProvider<S extends Schema = AnySchema>(props: LifelineProviderProps<S>): ReactElement {
  const given = props.client ? erase(props.client) : undefined;
  const owned = useRef<Owned | null>(null);
  const [made, setMade] = useState<ErasedClient | null>(null);
  const source = useRef(props);
  useLayoutEffect(() => {
    if (given) return;
    const { url, options } = source.current;
    if (url === undefined) return;
    let own = owned.current;
    if (!own) own = owned.current = { client: erase(new LifelineClient<S>(url, options)), closing: false, closed: false };
    else if (own.closing) own.closing = false;
    else if (own.closed) {
      own.closed = false;
      own.client.reconnect('mounted-again');
    }
    setMade(own.client);
    const mine = own;
    return () => {
      mine.closing = true;
      void Promise.resolve().then(() => {
        if (!mine.closing) return;
        mine.closing = false;
        mine.closed = true;
        mine.client.close();
      });
    };
  }, [given]);
  const client = given ?? made;
  // Keep the connection store observed while the provider lives, so `useConnection().session` and
  // `.error` report what happened before a component looked.
  useLayoutEffect(() => (client ? connectionStore(client).subscribe(() => {}) : undefined), [client]);
  if (!client) return createElement(Fragment, null, props.fallback ?? null);
  return createElement(LifelineContext.Provider, { value: client }, props.children);
}
