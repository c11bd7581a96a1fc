// Small helpers the engine tests share: a connection's resume reference, its data, and a promise's state.

import type { Json } from '@lifeline/protocol';
import { SendError } from '@lifeline/server';
import { flush, type FakeConnection } from './fakes.js';

/** What a client would put in `hello.resume` after the welcome `conn` got. */
export function ref(conn: FakeConnection, lastSeq: number): { id: string; token: string; lastSeq: number } {
  const w = conn.welcome();
  return { id: w.session.id, token: w.session.token, lastSeq };
}

/** The data of every `msg` the server sent on `conn`. */
export function dataOf(conn: FakeConnection): Json[] {
  return conn.ofType('msg').map((m) => m.data);
}

/** A send promise's state once pending work ran: resolved, the SendError code, or pending. */
export async function settled(p: Promise<void>): Promise<'resolved' | string> {
  return Promise.race([
    p.then(
      () => 'resolved',
      (e: unknown) => (e instanceof SendError ? e.code : 'rejected'),
    ),
    flush().then(() => 'pending'),
  ]);
}
