// The resume decision of PROTOCOL.md §3.4 as a pure function.

import { constantTimeEqual } from '@lifeline/core';
import { ResumeFailure } from '@lifeline/protocol';
import type { SessionRecord } from './record.js';

/** A resume request from `hello.resume`. */
export interface ResumeRequest {
  readonly id: string;
  readonly token: string;
  readonly lastSeq: number;
}

/** What the decision reads of a session: a live one, or a stored record (see {@link recordCandidate}). */
export interface ResumeCandidate {
  /** Whether `token` resumes it (the current token, or the previous one until the client confirmed the current). */
  tokenMatches(token: string): boolean;
  readonly identity: string;
  readonly lastSent: number;
  readonly acked: number;
}

/** A stored record as a candidate: its token, or its previous token while that is still good, in constant time. */
export function recordCandidate(record: SessionRecord): ResumeCandidate {
  return {
    tokenMatches: (token) => {
      const current = constantTimeEqual(record.token, token);
      const previous = record.previousToken !== undefined && constantTimeEqual(record.previousToken, token);
      return current || previous;
    },
    identity: record.identity,
    lastSent: record.lastSent,
    acked: record.acked,
  };
}

/** The session to resume, or why not. */
export type ResumeDecision = { readonly ok: true } | { readonly ok: false; readonly reason: ResumeFailure };

/**
 * Checks in order: known session, token (constant time), identity, position. The position is bad
 * when the client claims server messages never sent (`lastSeq` > last sent) or claims fewer than it
 * already acknowledged (`lastSeq` < acked): those were released and cannot be replayed, so
 * continuity would be a lie.
 */
export function decideResume(session: ResumeCandidate | undefined, request: ResumeRequest, identity: string): ResumeDecision {
  if (!session) return { ok: false, reason: ResumeFailure.UnknownSession };
  if (!session.tokenMatches(request.token)) return { ok: false, reason: ResumeFailure.BadToken };
  if (session.identity !== identity) return { ok: false, reason: ResumeFailure.IdentityMismatch };
  if (request.lastSeq > session.lastSent || request.lastSeq < session.acked) return { ok: false, reason: ResumeFailure.BadPosition };
  return { ok: true };
}
