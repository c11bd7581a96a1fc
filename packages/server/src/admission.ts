// Bounds on the sessions a node holds: per identity, per remote address when anonymous, in all, and the bytes detached sessions buffer.

import { CloseCode } from '@lifeline/protocol';
import type { ConnState } from './connection.js';
import type { ResolvedOptions } from './options.js';
import { SessionIndex } from './session-index.js';
import type { SessionEndReason } from './session-view.js';
import type { LiveSession } from './session.js';
import type { Wire } from './wire.js';

/** What admission needs from the engine. */
export interface AdmissionDeps {
  readonly options: Pick<ResolvedOptions, 'maxSessionsPerIdentity' | 'maxSessionsPerAddress' | 'maxSessions' | 'maxDetachedBytes' | 'capacityRetryAfter' | 'authenticated'>;
  readonly sessions: { readonly size: number; end(s: LiveSession, reason: SessionEndReason): void };
  readonly wire: Pick<Wire, 'close'>;
}

/**
 * Makes room for new sessions and keeps detached ones within their memory bound. It follows the
 * registry's lifecycle (held, attached, detached, released) and never refuses a resume: a new
 * session that would pass a cap first ends the oldest detached session that counts against it
 * (`superseded` for its own identity or address, `evicted` for the node's total), or, with none
 * detached, is refused with `goaway{capacityRetryAfter}` + 1013.
 */
export class Admission {
  private readonly byIdentity = new SessionIndex((s) => s.identity);
  /** Anonymous sessions by remote address (all of them share the identity `'anonymous'`). */
  private readonly byAddress: SessionIndex | undefined;
  /** Detached sessions, longest detached first, with the bytes each counts for. */
  private readonly waiting = new Map<LiveSession, number>();
  private detachedBytes = 0;

  constructor(private readonly deps: AdmissionDeps) {
    this.byAddress = deps.options.authenticated ? undefined : new SessionIndex((s) => s.principal);
  }

  /** Bytes of unacknowledged messages held for detached sessions. */
  get bufferedDetached(): number {
    return this.detachedBytes;
  }

  held(s: LiveSession): void {
    this.byIdentity.add(s);
    this.byAddress?.add(s);
  }

  attached(s: LiveSession): void {
    this.undetach(s);
  }

  detached(s: LiveSession): void {
    this.waiting.set(s, s.unackedBytes);
    this.detachedBytes += s.unackedBytes;
    this.evictOverBytes();
  }

  released(s: LiveSession): void {
    this.byIdentity.delete(s);
    this.byAddress?.delete(s);
    this.undetach(s);
  }

  /** `s` buffers `delta` more (or, negative, fewer) bytes; only detached sessions count. */
  charge(s: LiveSession, delta: number): void {
    const held = this.waiting.get(s);
    if (held === undefined || delta === 0) return;
    this.waiting.set(s, held + delta);
    this.detachedBytes += delta;
    if (delta > 0) this.evictOverBytes();
  }

  /** Make room for one more session of `identity` from `c` (principal `principal`); false when `c` was refused. */
  admit(c: ConnState, identity: string, principal: string): boolean {
    const { maxSessionsPerIdentity, maxSessionsPerAddress, maxSessions } = this.deps.options;
    if (!this.makeRoom(c, () => this.byIdentity.count(identity) >= maxSessionsPerIdentity, () => this.byIdentity.oldestDetached(identity), 'superseded')) return false;
    const byAddress = this.byAddress;
    if (byAddress && !this.makeRoom(c, () => byAddress.count(principal) >= maxSessionsPerAddress, () => byAddress.oldestDetached(principal), 'superseded')) return false;
    return this.makeRoom(c, () => this.deps.sessions.size >= maxSessions, () => this.oldestDetached(), 'evicted');
  }

  private makeRoom(c: ConnState, full: () => boolean, oldest: () => LiveSession | undefined, reason: SessionEndReason): boolean {
    while (full()) {
      const victim = oldest();
      if (!victim) {
        this.deps.wire.close(c, CloseCode.TryAgainLater, 'too many sessions', this.deps.options.capacityRetryAfter);
        return false;
      }
      this.deps.sessions.end(victim, reason);
      if (c.phase !== 'authenticating') return false; // a 'sessionclose' listener closed it meanwhile
    }
    return true;
  }

  private oldestDetached(): LiveSession | undefined {
    for (const s of this.waiting.keys()) return s;
    return undefined;
  }

  private evictOverBytes(): void {
    while (this.detachedBytes > this.deps.options.maxDetachedBytes) {
      const victim = this.oldestDetached();
      if (!victim) return;
      this.deps.sessions.end(victim, 'evicted');
      this.undetach(victim); // in case no 'released' followed
    }
  }

  private undetach(s: LiveSession): void {
    const held = this.waiting.get(s);
    if (held === undefined) return;
    this.waiting.delete(s);
    this.detachedBytes -= held;
  }
}
