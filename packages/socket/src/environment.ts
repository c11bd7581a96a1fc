// The environment seam: network, visibility and page-lifecycle signals from the platform.

/**
 * A platform signal that matters to a long-lived connection.
 * - `online` / `offline`: the device gained or lost its network.
 * - `visible`: the page or app came to the foreground (check the link now; timers may have slept).
 * - `hidden`: the page or app went to the background.
 * - `resume`: a page was restored from the back/forward cache, or the app resumed after a freeze.
 */
export type EnvironmentSignal = 'online' | 'offline' | 'visible' | 'hidden' | 'resume';

/** Supplies platform signals. Browser, Node, React Native and mini-programs each plug in their own. */
export interface Environment {
  /** Whether the device believes it has a network; `true` where the platform cannot tell. */
  isOnline(): boolean;
  /** Start delivering signals to `listener`; returns a function that stops them. */
  subscribe(listener: (signal: EnvironmentSignal) => void): () => void;
}

/** An environment with no signals and a network that is always up (Node, tests). */
export const nullEnvironment: Environment = {
  isOnline: () => true,
  subscribe: () => () => {},
};

interface EventSourceLike {
  addEventListener(type: string, listener: (event: unknown) => void): void;
  removeEventListener(type: string, listener: (event: unknown) => void): void;
}
interface BrowserGlobals {
  window?: EventSourceLike;
  document?: EventSourceLike & { visibilityState?: string };
  navigator?: { onLine?: boolean };
}

/**
 * The browser environment: `online`/`offline` and `pageshow` on `window`, `visibilitychange` on
 * `document`. Falls back to {@link nullEnvironment} where there is no `window`.
 */
export function browserEnvironment(globals: BrowserGlobals = globalThis as BrowserGlobals): Environment {
  const { window: win, document: doc, navigator: nav } = globals;
  if (!win || typeof win.addEventListener !== 'function') return nullEnvironment;
  return {
    isOnline: () => nav?.onLine !== false,
    subscribe(listener) {
      const onOnline = () => listener('online');
      const onOffline = () => listener('offline');
      const onPageShow = (event: unknown) => {
        if ((event as { persisted?: boolean }).persisted) listener('resume');
      };
      const onVisibility = () => listener(doc?.visibilityState === 'hidden' ? 'hidden' : 'visible');
      win.addEventListener('online', onOnline);
      win.addEventListener('offline', onOffline);
      win.addEventListener('pageshow', onPageShow);
      doc?.addEventListener('visibilitychange', onVisibility);
      return () => {
        win.removeEventListener('online', onOnline);
        win.removeEventListener('offline', onOffline);
        win.removeEventListener('pageshow', onPageShow);
        doc?.removeEventListener('visibilitychange', onVisibility);
      };
    },
  };
}
