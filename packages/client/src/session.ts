// The session this client holds with the server: id, secret token, and whether it may be resumed.

import type { SessionRef } from '@lifeline/protocol';

/**
 * The remembered session. The token is a secret: it goes into `hello.resume` and nowhere else
 * (never into events, errors or logs).
 */
export class Session {
  private ref: SessionRef | undefined;
  private lastId: string | undefined;

  /** The current session id, or undefined before the first welcome and after the session ended. */
  get id(): string | undefined {
    return this.ref?.id;
  }

  /** The id of the last session this client held, even one it has since forgotten. */
  get previousId(): string | undefined {
    return this.lastId;
  }

  /** What to put in `hello.resume`, given the last delivered server seq; undefined starts fresh. */
  resume(lastSeq: number): (SessionRef & { lastSeq: number }) | undefined {
    return this.ref ? { id: this.ref.id, token: this.ref.token, lastSeq } : undefined;
  }

  /** A welcome established `ref` (fresh or resumed). */
  establish(ref: SessionRef): void {
    this.ref = { id: ref.id, token: ref.token };
    this.lastId = ref.id;
  }

  /** The session ended (bye, a session overflow, a terminal close): the next hello starts fresh. */
  forget(): void {
    this.ref = undefined;
  }
}
