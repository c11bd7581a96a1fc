// Presence options: the anti-flap grace, the last-seen bounds and who may see whom, each with its one default, resolved once.

import type { Session } from '../session-view.js';

/** Who asks about whom (the `$presence` request). */
export interface PresenceQueryContext {
  readonly session: Session;
  readonly identity: string;
}

/** Options of presence (`ServerOptions.presence`); channels opt in with `channels.presence`. */
export interface PresenceOptions {
  /** Milliseconds a device may be away (a reconnect, a resume) before it leaves: no leave and no join within it. @default 5000 */
  grace?: number;
  /** Most offline identities whose last-seen time is kept; the longest offline go first. @default 100000 */
  maxLastSeen?: number;
  /** Milliseconds a last-seen time is kept. @default 2592000000 (30 days) */
  lastSeenAge?: number;
  /** Whether a session may learn an identity's presence and last-seen time (`$presence`). @default every session may */
  visible?: (ctx: PresenceQueryContext) => boolean | Promise<boolean>;
  /** Most members in one snapshot (`presence` frame). @default 1000 */
  maxSnapshot?: number;
}

/** Presence options after defaults. */
export interface ResolvedPresenceOptions {
  readonly grace: number;
  readonly maxLastSeen: number;
  readonly lastSeenAge: number;
  readonly visible: ((ctx: PresenceQueryContext) => boolean | Promise<boolean>) | undefined;
  readonly maxSnapshot: number;
}

const KNOWN: ReadonlySet<string> = new Set(['grace', 'maxLastSeen', 'lastSeenAge', 'visible', 'maxSnapshot']);

/** Merge and validate presence options; throws TypeError/RangeError; unknown options are refused. */
export function resolvePresenceOptions(options: PresenceOptions | undefined): ResolvedPresenceOptions {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null) throw new TypeError('lifeline: presence must be an object');
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) throw new TypeError(`lifeline: unknown option 'presence.${key}'`);
  if (o.visible !== undefined && typeof o.visible !== 'function') throw new TypeError('lifeline: presence.visible must be a function');
  const resolved: ResolvedPresenceOptions = {
    grace: o.grace ?? 5_000,
    maxLastSeen: o.maxLastSeen ?? 100_000,
    lastSeenAge: o.lastSeenAge ?? 30 * 24 * 3600 * 1000,
    visible: o.visible,
    maxSnapshot: o.maxSnapshot ?? 1_000,
  };
  for (const k of ['grace', 'maxLastSeen', 'lastSeenAge', 'maxSnapshot'] as const) {
    const v = resolved[k];
    if (!Number.isSafeInteger(v) || v < (k === 'grace' ? 0 : 1)) throw new RangeError(`lifeline: presence.${k} must be a ${k === 'grace' ? 'non-negative' : 'positive'} integer, got ${String(v)}`);
  }
  if (resolved.maxSnapshot > 10_000) throw new RangeError('lifeline: presence.maxSnapshot must be at most 10000 (the protocol limit)');
  return resolved;
}
