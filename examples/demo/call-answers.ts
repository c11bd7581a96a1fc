// The server seqs that answers to this page's calls took: an RPC answer is a server `msg` in the session's numbering that the client hands to the call, never to `message`.

import type { LifelineClient } from '@lifeline/client';

/**
 * Without this the page's `seq = last + 1` check would report a gap after every call (`restartDevice`,
 * `client.presence`), since the client has no event that says "this seq was a call's answer". The
 * client settles the call while it handles the answer's frame, and delivers one frame per WebSocket
 * event; so when a call's settlement runs, `client.lastSeq` is the seq of its answer. A call that
 * settles without an answer (a refusal, a timeout) notes a seq already delivered, which no later
 * check asks about. Limit: a call that timed out here and is answered later takes a seq nobody notes.
 */
export class CallAnswers {
  private readonly seqs = new Set<number>();

  constructor(private readonly client: LifelineClient) {
    client.on('session', ({ resumed }) => {
      if (!resumed) this.seqs.clear(); // a fresh session numbers from 1 again
    });
  }

  /** Run `call` (a `client.call` or `client.presence`) and note the seq its answer took. */
  track<T>(call: () => Promise<T>): Promise<T> {
    const note = (): void => {
      this.seqs.add(this.client.lastSeq);
    };
    return call().then(
      (result) => {
        note();
        return result;
      },
      (error: unknown) => {
        note();
        throw error;
      },
    );
  }

  /** Whether `seq` carried an answer to one of our calls (each is accounted for once). */
  take(seq: number): boolean {
    return this.seqs.delete(seq);
  }

  /** Forget seqs up to `seq`: delivered (or accounted for) already. */
  forgetThrough(seq: number): void {
    for (const s of this.seqs) if (s <= seq) this.seqs.delete(s);
  }
}
