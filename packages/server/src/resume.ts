// The resume decision of PROTOCOL.md §3.4 as a pure function.

import { timingSafeEqual } from 'node:crypto';
import { ResumeFailure } from '@lifeline/protocol';
import type { SessionState } from './session.js';

/** A resume request from `hello.resume`. */
export interface ResumeRequest {
  readonly id: string;
  readonly token: string;
  readonly lastSeq: number;
}

/** The session to resume, or why not. */
export type ResumeDecision<S> = { readonly ok: true; readonly session: S } | { readonly ok: false; readonly reason: ResumeFailure };

/**
 * Checks in order: known id, token (constant time), identity, position. The position is bad when the
 * client claims server messages never sent (`lastSeq` > last sent) or claims fewer than it already
 * acknowledged (`lastSeq` < acked): those were released and cannot be replayed, so continuity would be
 * a lie.
 */
export function decideResume<S extends SessionState>(session: S | undefined, request: ResumeRequest, identity: string): ResumeDecision<S> {
  if (!session || session.ended) return { ok: false, reason: ResumeFailure.UnknownSession };
  if (!tokenMatches(session.token, request.token)) return { ok: false, reason: ResumeFailure.BadToken };
  if (session.identity !== identity) return { ok: false, reason: ResumeFailure.IdentityMismatch };
  if (request.lastSeq > session.lastSent || request.lastSeq < session.acked) return { ok: false, reason: ResumeFailure.BadPosition };
  return { ok: true, session };
}

function tokenMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
