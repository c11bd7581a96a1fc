// Application to client: numbering and keeping messages until acked, writing them once durable, resume replay, broadcast fan-out.

import { utf8ByteLength } from '@lifeline/core';
import { CloseCode, ErrorCode, dataFrame, dataFrameOverhead, replyErrorFrame, replyFrame, type DecodeError, type Json } from '@lifeline/protocol';
import type { ConnState } from './connection.js';
import type { Counters } from './counters.js';
import type { Journal } from './journal.js';
import type { CallOutcome } from './rpc/results.js';
import type { ResolvedOptions } from './options.js';
import type { Settle } from './replay-buffer.js';
import { SendError, type SessionEndReason } from './session-view.js';
import type { LiveSession } from './session.js';
import type { Wire } from './wire.js';

/** What the outbound side needs from the engine. */
export interface OutboundDeps {
  readonly options: Pick<ResolvedOptions, 'maxPayload' | 'maxUnacked' | 'maxUnackedBytes'>;
  readonly counters: Pick<Counters, 'overflows'>;
  readonly journal: Journal;
  readonly wire: Wire;
  /** End a session for good (the session funnel). */
  end(session: LiveSession, reason: SessionEndReason, code: number, text: string): void;
  /** Answer a rejected frame with `error` (and count it). */
  reject(c: ConnState, error: DecodeError): void;
  /** The session buffers `delta` more (or fewer) bytes: detached sessions count against `maxDetachedBytes`. */
  charge(session: LiveSession, delta: number): void;
}

const noop = (): void => {};

/**
 * Everything the server sends within a session. A message is numbered and kept in the session's
 * replay buffer at once, recorded in the journal, and written to the connection only once the store
 * holds it: a client never sees a seq that a resume elsewhere could not replay.
 */
export class Outbound {
  /** Writes what became durable; one function for every session, so the journal can dedupe it. */
  private readonly writeDue = (session: LiveSession): void => void this.writeDurable(session);

  constructor(private readonly deps: OutboundDeps) {}

  /** `session.send(data)`: settles when the client acks it, rejects with a SendError or a TypeError. */
  send(session: LiveSession, data: Json): Promise<void> {
    let json: string | undefined;
    try {
      json = JSON.stringify(data);
    } catch (error) {
      return swallowed(Promise.reject(new TypeError(`send: data is not JSON (${error instanceof Error ? error.message : 'unserialisable'})`)));
    }
    if (json === undefined) return swallowed(Promise.reject(new TypeError('send: data is not JSON')));
    const text = json;
    return swallowed(
      new Promise<void>((resolve, reject) => {
        const refused = this.enqueue(session, text, utf8ByteLength(text), { resolve, reject });
        if (refused) reject(refused);
      }),
    );
  }

  /** Answer RPC call `id` with `outcome` in the session's stream; `settle` resolves once the client acks it. */
  reply(session: LiveSession, id: string, outcome: CallOutcome, settle: Settle): SendError | undefined {
    const err = outcome.ok ? undefined : JSON.stringify(outcome.failure);
    const build = (seq: number): string => (outcome.ok ? replyFrame(seq, id, outcome.result) : replyErrorFrame(seq, id, err ?? '{}'));
    return this.enqueue(session, '', 0, settle, build);
  }

  /**
   * Number, keep and (once durable) write one message of `dataBytes` UTF-8 bytes (or the frame
   * `build` makes for its seq); returns the error when refused.
   */
  enqueue(session: LiveSession, dataJson: string, dataBytes: number, settle: Settle | undefined, build?: (seq: number) => string): SendError | undefined {
    if (session.state === 'ended') return new SendError('session-ended', 'the session has ended');
    const { maxPayload, maxUnacked, maxUnackedBytes } = this.deps.options;
    const seq = session.lastSent + 1;
    const built = build?.(seq);
    const bytes = built === undefined ? dataFrameOverhead(seq) + dataBytes : utf8ByteLength(built);
    if (bytes > maxPayload) return new SendError('too-large', `message of ${bytes} bytes exceeds maxPayload ${maxPayload}`);
    if (session.unackedCount + 1 > maxUnacked || session.unackedBytes + bytes > maxUnackedBytes) {
      this.deps.counters.overflows++;
      this.deps.end(session, 'overflow', CloseCode.SessionOverflow, 'session overflow');
      return new SendError('overflow', 'unacknowledged messages passed the session bounds; the session ended');
    }
    session.enqueue({ seq, frame: built ?? dataFrame(seq, dataJson), bytes }, settle);
    this.deps.journal.appended(session, seq, this.writeDue);
    if (session.state === 'detached') this.deps.charge(session, bytes);
    return undefined;
  }

  /** Fan one broadcast out to every session this node holds (attached or detached): serialised once, framed per session. */
  fanOut(sessions: Iterable<LiveSession>, dataJson: string): void {
    const bytes = utf8ByteLength(dataJson);
    for (const session of sessions) this.enqueue(session, dataJson, bytes, undefined);
  }

  /**
   * Replay everything the client lacks (after `lastSeq`), in order, right after `welcome`. The replay
   * may exceed the outbound cap on its own; it is tolerated until the queue first drains below the cap.
   */
  replay(session: LiveSession, c: ConnState, lastSeq: number): void {
    c.wrote(lastSeq);
    c.allow(this.writeDurable(session, false));
    this.deps.wire.checkOutbound(c);
  }

  /** Server messages up to `seq` reached the client (an ack, or a resume's `lastSeq`); false when `seq` was never sent. */
  release(session: LiveSession, seq: number): boolean {
    const before = session.acked;
    const bytes = session.unackedBytes;
    if (!session.release(seq)) return false;
    if (session.acked > before) this.deps.journal.acked(session, session.acked);
    this.deps.charge(session, session.unackedBytes - bytes);
    return true;
  }

  /** A cumulative ack from the client; one beyond the last seq sent is rejected. */
  acked(session: LiveSession, c: ConnState, seq: number): void {
    if (!this.release(session, seq)) this.deps.reject(c, { code: ErrorCode.BadMessage, message: `ack ${seq} is beyond the last seq sent (${session.lastSent})` });
  }

  /** Write the durable frames the session's open connection has not had yet; returns their bytes. `check`: see {@link Wire.write}. */
  writeDurable(session: LiveSession, check = true): number {
    const c = session.connection;
    if (!c?.open) return 0;
    let written = 0;
    const upTo = session.persistedSent;
    for (let i = session.indexAfter(c.lastWritten), entry = session.entryAt(i); entry !== undefined && entry.seq <= upTo; entry = session.entryAt(++i)) {
      if (!this.deps.wire.write(c, entry.frame, check)) break;
      c.wrote(entry.seq);
      written += entry.bytes;
    }
    return written;
  }
}

function swallowed(promise: Promise<void>): Promise<void> {
  promise.catch(noop);
  return promise;
}
