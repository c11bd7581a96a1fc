// The connection as one snapshot per client: read from the client's getters, refreshed on its events, the same object until something changes.

import type { ClientState, HandshakePhase, LifelineError, SessionInfo } from '../index.js';
import type { ErasedClient } from './erased.js';

/** What a component sees of the connection. Replaced as a whole when any field changes. */
export interface ConnectionSnapshot {
  /** The socket's state (`connecting`, `open`, `reconnecting`, `offline`, `closed`). */
  readonly state: ClientState;
  /** Where the current link is in the handshake. */
  readonly phase: HandshakePhase;
  /** A session is established on the current link: sends are written at once. */
  readonly ready: boolean;
  /** The current session id, or undefined before the first welcome and after the session ended. */
  readonly sessionId: string | undefined;
  /** Messages waiting for the server's acknowledgement (refreshed on the client's events and when a send or call made through the binding settles). */
  readonly outboxSize: number;
  /** The last measured round trip in ms. */
  readonly rtt: number | undefined;
  /** The last welcome seen while the store was observed (`resumed: false` means server messages were lost: reload). */
  readonly session: SessionInfo | undefined;
  /** The last `error` event seen while the store was observed (errors annotate; `state` tells what happened). */
  readonly error: LifelineError | undefined;
}

/** The client events after which a getter may read differently. */
const REFRESH_ON = ['statechange', 'phase', 'heartbeat', 'close', 'reconnecting', 'giveup', 'restored'] as const;

/**
 * One per client ({@link connectionStore}): `subscribe`/`getSnapshot` in the shape
 * `useSyncExternalStore` wants. It listens to the client only while it has listeners of its own.
 */
export class ConnectionStore {
  private readonly listeners = new Set<() => void>();
  private detach: (() => void) | undefined;
  private session: SessionInfo | undefined;
  private error: LifelineError | undefined;
  private snapshot: ConnectionSnapshot;

  constructor(private readonly client: ErasedClient) {
    this.snapshot = this.read();
  }

  /** The current snapshot: the same object as long as nothing in it changed. */
  readonly getSnapshot = (): ConnectionSnapshot => {
    this.update();
    return this.snapshot;
  };

  /** Call `listener` after every change; returns the function that stops it (idempotent). */
  readonly subscribe = (listener: () => void): (() => void) => {
    const entry = (): void => listener();
    this.listeners.add(entry);
    if (!this.detach) this.attach();
    return () => {
      if (!this.listeners.delete(entry) || this.listeners.size > 0) return;
      this.detach?.();
      this.detach = undefined;
    };
  };

  /** Read the client again and tell the listeners if anything changed (the outbox has no event of its own). */
  readonly refresh = (): void => {
    if (!this.update()) return;
    for (const listener of [...this.listeners]) listener();
  };

  private attach(): void {
    const c = this.client;
    const offs = REFRESH_ON.map((type) => c.on(type, this.refresh));
    offs.push(
      c.on('session', (info) => {
        this.session = info;
        this.refresh();
      }),
      c.on('error', (error) => {
        this.error = error;
        this.refresh();
      }),
    );
    this.detach = () => {
      for (const off of offs) off();
    };
  }

  private update(): boolean {
    const next = this.read();
    const prev = this.snapshot;
    if (
      next.state === prev.state && next.phase === prev.phase && next.ready === prev.ready && next.sessionId === prev.sessionId &&
      next.outboxSize === prev.outboxSize && next.rtt === prev.rtt && next.session === prev.session && next.error === prev.error
    ) return false;
    this.snapshot = next;
    return true;
  }

  private read(): ConnectionSnapshot {
    const c = this.client;
    return Object.freeze({ state: c.state, phase: c.phase, ready: c.ready, sessionId: c.sessionId, outboxSize: c.outboxSize, rtt: c.rtt, session: this.session, error: this.error });
  }
}

const stores = new WeakMap<ErasedClient, ConnectionStore>();

/** The connection store of `client`, made on first use and shared by every component of the app. */
export function connectionStore(client: ErasedClient): ConnectionStore {
  let store = stores.get(client);
  if (!store) stores.set(client, (store = new ConnectionStore(client)));
  return store;
}
