// The client's feature seam: handlers of server messages keyed by type, and welcome and close hooks.

import type { ServerMessage, WelcomeMessage } from '@lifeline/protocol';
import type { CloseInfo, SessionInfo } from './events.js';

/** At most one handler per server message type. */
export type ServerHandlerTable = { readonly [T in ServerMessage['t']]?: (message: Extract<ServerMessage, { t: T }>) => void };

/** A client feature: the server messages it handles, and what it does when a session starts or a link ends. */
export interface ClientFeature {
  readonly name: string;
  readonly handlers?: ServerHandlerTable;
  /** A welcome established a session (fresh or resumed), after the resend and before the application's `session` event. */
  welcomed?(welcome: WelcomeMessage, info: SessionInfo): void;
  /** A link ended (after the handshake went `down`, before the application's `close` event). */
  closed?(info: CloseInfo): void;
}

/** The features of one client, merged: one handler table (a type claimed twice is an error) and every hook, in order. */
export class ClientFeatureSet {
  private readonly handlers: Record<string, (message: never) => void> = {};
  private readonly features: readonly ClientFeature[];

  constructor(
    core: readonly ClientFeature[],
    private readonly report: (error: unknown) => void,
    more: readonly ClientFeature[] = [],
  ) {
    const features = [...core, ...more];
    this.features = features;
    const owner: Record<string, string> = {};
    for (const feature of features) {
      for (const [t, handler] of Object.entries(feature.handlers ?? {})) {
        if (owner[t] !== undefined) throw new Error(`LifelineClient: features '${owner[t]}' and '${feature.name}' both handle '${t}'`);
        owner[t] = feature.name;
        this.handlers[t] = handler;
      }
    }
  }

  /** Route `m` to its handler; false when no feature handles its type. */
  handle(m: ServerMessage): boolean {
    const handler = Object.hasOwn(this.handlers, m.t) ? (this.handlers[m.t] as ((message: ServerMessage) => void) | undefined) : undefined;
    if (!handler) return false;
    handler(m);
    return true;
  }

  welcomed(welcome: WelcomeMessage, info: SessionInfo): void {
    for (const f of this.features) if (f.welcomed) this.call(() => f.welcomed?.(welcome, info));
  }

  closed(info: CloseInfo): void {
    for (const f of this.features) if (f.closed) this.call(() => f.closed?.(info));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.report(error);
    }
  }
}
