// The feature seam: message handlers keyed by type and session lifecycle hooks, which features register instead of editing the engine.

import type { ClientDataMessage, ClientMessage, ErrorCode } from '@lifeline/protocol';
import type { ConnState } from './connection.js';
import type { SessionEndReason } from './session-view.js';
import type { LiveSession } from './session.js';

/** Handles one client message of type `M` on the open connection `c` of `session`. */
export type MessageHandler<M extends ClientMessage> = (session: LiveSession, c: ConnState, message: M, now: number) => void;

/** Message types a feature may handle: every client message but `hello`, which only the handshake reads. */
export type FeatureMessage = Exclude<ClientMessage, { t: 'hello' }>;

/** At most one handler per message type. */
export type HandlerTable = { readonly [T in FeatureMessage['t']]?: MessageHandler<Extract<FeatureMessage, { t: T }>> };

/** How a session came to be attached, as told to `attached` hooks. */
export interface AttachInfo {
  readonly resumed: boolean;
}

/** What a feature is told about each session this node holds. Hooks must not throw (a throw is reported). */
export interface SessionHooks {
  /** A welcome went out: the session is attached to a connection (fresh, or resumed with `resumed: true`). */
  attached?(session: LiveSession, info: AttachInfo): void;
  /** The session's connection left; it waits for a resume. */
  detached?(session: LiveSession): void;
  /** This node stopped holding the session: it ended for good, or moved, or the node shut down. */
  ended?(session: LiveSession, reason: SessionEndReason): void;
}

/**
 * The kinds of client `msg`: application data, a channel publication (`ch`), an RPC call (`call`).
 * Every kind shares the session's numbering, idempotency keys and acks.
 */
export type MessageKind = 'data' | 'ch' | 'call';

/** The kind of `m`. */
export function kindOf(m: ClientDataMessage): MessageKind {
  return m.ch !== undefined ? 'ch' : m.call !== undefined ? 'call' : 'data';
}

/** What a feature does with accepted client messages of one kind, in session order. */
export interface KindHandler {
  /** Whether `m` may be applied: undefined, or the code that refuses it for good (checked before its key is claimed). */
  check?(session: LiveSession, m: ClientDataMessage): ErrorCode | undefined;
  /** Apply `m`, its key claimed for the first time. */
  apply(session: LiveSession, m: ClientDataMessage): void;
  /** `m` repeats a key applied before (acked, not applied again): a call answers with its first result. */
  repeated?(session: LiveSession, m: ClientDataMessage): void;
}

/** A feature: the message types it handles and the lifecycle it follows. */
export interface Feature {
  readonly name: string;
  readonly handlers?: HandlerTable;
  /** The kinds of client `msg` it applies. */
  readonly kinds?: { readonly [K in MessageKind]?: KindHandler };
  readonly hooks?: SessionHooks;
}

/**
 * The features of one engine, merged: one handler table (two features claiming one type is a
 * construction error) and the hooks of all, called in registration order.
 */
export class FeatureSet {
  readonly handlers: HandlerTable;
  private readonly kinds: { [K in MessageKind]?: KindHandler } = {};
  private readonly hooks: SessionHooks[];

  constructor(
    features: readonly Feature[],
    private readonly report: (error: unknown, context: string) => void,
  ) {
    const table: Record<string, unknown> = {};
    const owner: Record<string, string> = {};
    for (const feature of features) {
      for (const [t, handler] of Object.entries(feature.handlers ?? {})) {
        if (owner[t] !== undefined) throw new Error(`lifeline: features '${owner[t]}' and '${feature.name}' both handle '${t}'`);
        owner[t] = feature.name;
        table[t] = handler;
      }
      for (const [kind, handler] of Object.entries(feature.kinds ?? {}) as Array<[MessageKind, KindHandler]>) {
        if (owner[`kind:${kind}`] !== undefined) throw new Error(`lifeline: features '${owner[`kind:${kind}`]}' and '${feature.name}' both apply '${kind}' messages`);
        owner[`kind:${kind}`] = feature.name;
        this.kinds[kind] = handler;
      }
    }
    this.handlers = table as HandlerTable;
    this.hooks = features.flatMap((f) => (f.hooks ? [f.hooks] : []));
  }

  /** The handler of `m.t`, if a feature registered one. */
  handle(session: LiveSession, c: ConnState, m: FeatureMessage, now: number): boolean {
    const handler = this.handlers[m.t] as MessageHandler<FeatureMessage> | undefined;
    if (!handler) return false;
    handler(session, c, m, now);
    return true;
  }

  /** Whether an accepted client `msg` may be applied (a kind no feature applies is `forbidden`). */
  check(session: LiveSession, m: ClientDataMessage): ErrorCode | undefined {
    const handler = this.kinds[kindOf(m)];
    return handler ? handler.check?.(session, m) : 'forbidden';
  }

  /** Apply an accepted client `msg` through the feature of its kind. */
  apply(session: LiveSession, m: ClientDataMessage): void {
    this.kinds[kindOf(m)]?.apply(session, m);
  }

  /** A client `msg` whose key was applied before. */
  repeated(session: LiveSession, m: ClientDataMessage): void {
    this.kinds[kindOf(m)]?.repeated?.(session, m);
  }

  attached(session: LiveSession, info: AttachInfo): void {
    for (const h of this.hooks) if (h.attached) this.call(() => h.attached?.(session, info), 'attached');
  }

  detached(session: LiveSession): void {
    for (const h of this.hooks) if (h.detached) this.call(() => h.detached?.(session), 'detached');
  }

  ended(session: LiveSession, reason: SessionEndReason): void {
    for (const h of this.hooks) if (h.ended) this.call(() => h.ended?.(session, reason), 'ended');
  }

  private call(fn: () => void, hook: string): void {
    try {
      fn();
    } catch (error) {
      this.report(error, `a feature's '${hook}' hook threw`);
    }
  }
}
