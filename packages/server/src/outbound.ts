// Server to client: checked writes, numbering and buffering application messages (overflow), resume replay, client acks.

import { CloseCode, ErrorCode } from '@lifeline/protocol';
import type { ConnState } from './connection.js';
import type { Counters } from './counters.js';
import type { Funnel } from './funnel.js';
import type { Limits } from './limits.js';
import type { ResolvedOptions } from './options.js';
import type { Settle } from './replay-buffer.js';
import { SendError, type SessionState } from './session.js';

/** What the outbound side needs from the engine. */
export interface OutboundDeps {
  readonly options: Pick<ResolvedOptions, 'maxPayload' | 'maxUnacked' | 'maxUnackedBytes'>;
  readonly counters: Pick<Counters, 'overflows'>;
  readonly funnel: Pick<Funnel, 'write' | 'endSession'>;
  readonly limits: Pick<Limits, 'checkOutbound' | 'reject'>;
}

/** Everything the server sends within a session, and the replay buffer that keeps it until acked. */
export class Outbound {
  constructor(private readonly deps: OutboundDeps) {}

  /** Write one frame, then check the outbound cap (slow consumer). */
  send(c: ConnState, text: string): void {
    if (this.deps.funnel.write(c, text)) this.deps.limits.checkOutbound(c);
  }

  /** Number, buffer and write one application message; returns the error when it was refused. */
  enqueue(s: SessionState<ConnState>, dataJson: string, settle: Settle | undefined, dataBytes?: number): SendError | undefined {
    if (s.ended) return new SendError('session-ended', 'the session has ended');
    const { maxPayload, maxUnacked, maxUnackedBytes } = this.deps.options;
    const seq = s.nextSeq;
    // Same bytes as encode({t: 'msg', seq, data}), with the data serialised once per broadcast.
    const text = `{"t":"msg","seq":${seq},"data":${dataJson}}`;
    // The envelope is ASCII: only the data needs a UTF-8 count, and a broadcast passes it in once.
    const bytes = text.length - dataJson.length + (dataBytes ?? Buffer.byteLength(dataJson));
    if (bytes > maxPayload) return new SendError('payload-too-large', `message of ${bytes} bytes exceeds maxPayload ${maxPayload}`);
    if (s.buffer.count + 1 > maxUnacked || s.buffer.bytes + bytes > maxUnackedBytes) {
      this.deps.counters.overflows++;
      this.deps.funnel.endSession(s, 'overflow', CloseCode.SessionOverflow, 'session overflow');
      return new SendError('overflow', 'unacknowledged messages passed the session bounds; the session ended');
    }
    s.nextSeq++;
    s.buffer.push({ seq, text, bytes, settle });
    const c = s.connection;
    if (c?.open) this.send(c, text);
    return undefined;
  }

  /**
   * Replay everything the client lacks (after `lastSeq`), in order, right after `welcome`. The replay
   * may exceed the outbound cap on its own; it is tolerated until the queue first drains below the cap.
   */
  replay(c: ConnState, s: SessionState<ConnState>, lastSeq: number): void {
    let replayed = 0;
    for (const entry of s.buffer.after(lastSeq)) {
      if (!c.writable) break;
      this.deps.funnel.write(c, entry.text);
      replayed += entry.bytes;
    }
    c.outboundAllowance = replayed;
    this.deps.limits.checkOutbound(c);
  }

  /** A cumulative ack from the client releases the replay buffer; one beyond the last seq sent is rejected. */
  acked(c: ConnState, s: SessionState, seq: number): void {
    if (seq > s.lastSent) {
      this.deps.limits.reject(c, { code: ErrorCode.BadMessage, message: `ack ${seq} is beyond the last seq sent (${s.lastSent})` });
      return;
    }
    s.release(seq);
  }
}
