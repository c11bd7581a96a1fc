// The client's side of the session handshake: one phase field, one transition method, the auth() race and the hello.

import type { Clock } from '@lifeline/core';
import { PROTOCOL_VERSION, encode, type ClientMessage, type Json, type SessionRef } from '@lifeline/protocol';
import type { HandshakePhase, PhaseChange } from './events.js';

/** What the handshake asks of the client around it. */
export interface HandshakeHost {
  /** Write one frame to the open link; false when it is not writable. */
  write(frame: string): boolean;
  /** What to put in `hello.resume`, or undefined to start a fresh session. */
  resume(): (SessionRef & { lastSeq: number }) | undefined;
  /** The application could not produce credentials. */
  authFailed(cause: unknown): void;
  /** The phase changed. */
  changed(change: PhaseChange): void;
}

/** Produces `hello.auth` on every attempt, so an expired credential is replaced on reconnect. */
export type AuthProvider = () => Json | undefined | Promise<Json | undefined>;

const allowed: Record<HandshakePhase, readonly HandshakePhase[]> = {
  down: ['authenticating'],
  authenticating: ['welcoming', 'down'],
  welcoming: ['ready', 'down'],
  ready: ['down'],
};

/**
 * PROTOCOL.md §3 on the client: a link opens → `auth()` (maybe async) → `hello` → `welcome`. The
 * phase has one writer, {@link transition}, which reports every change with its reason. Every link
 * gets a generation; an `auth()` that settles after its link was lost or replaced compares
 * generations and does nothing.
 */
export class Handshake {
  private current: HandshakePhase = 'down';
  private generation = 0;
  private helloAt = 0;

  constructor(
    private readonly clock: Clock,
    private readonly auth: AuthProvider | undefined,
    private readonly host: HandshakeHost,
  ) {}

  get phase(): HandshakePhase {
    return this.current;
  }

  /** The generation of the current link (it changes whenever a link ends). */
  get link(): number {
    return this.generation;
  }

  /** A link opened: fetch credentials, then say hello. */
  opened(): void {
    const gen = ++this.generation;
    this.transition('authenticating', 'link-open');
    if (!this.auth) return this.hello(gen, undefined);
    let result: Json | undefined | Promise<Json | undefined>;
    try {
      result = this.auth();
    } catch (error) {
      return this.failed(gen, error);
    }
    Promise.resolve(result).then(
      (credentials) => this.hello(gen, credentials),
      (error: unknown) => this.failed(gen, error),
    );
  }

  /** A welcome arrived: true (and `ready`, with the round trip from hello) when one was expected. */
  welcomed(): { rtt: number } | undefined {
    if (this.current !== 'welcoming') return undefined;
    const rtt = this.clock.now() - this.helloAt;
    this.transition('ready', 'welcome');
    return { rtt };
  }

  /** The link ended (or the client stopped): back to `down`; a pending `auth()` result is dropped. */
  ended(reason: string): void {
    this.generation++;
    this.transition('down', reason);
  }

  private hello(gen: number, auth: Json | undefined): void {
    // The link this auth() was for may be gone, or replaced by a newer one.
    if (gen !== this.generation || this.current !== 'authenticating') return;
    const resume = this.host.resume();
    const hello: ClientMessage = { t: 'hello', v: PROTOCOL_VERSION, ...(resume ? { resume } : {}), ...(auth !== undefined ? { auth } : {}) };
    this.helloAt = this.clock.now();
    if (this.host.write(encode(hello))) this.transition('welcoming', 'hello-sent');
  }

  private failed(gen: number, cause: unknown): void {
    if (gen !== this.generation || this.current !== 'authenticating') return;
    this.host.authFailed(cause);
  }

  /** The one writer of the phase; illegal moves (and staying put) are ignored. */
  private transition(to: HandshakePhase, reason: string): void {
    const from = this.current;
    if (!allowed[from].includes(to)) return;
    this.current = to;
    this.host.changed({ from, to, reason });
  }
}
