// Test doubles for the engine: a scriptable fake Connection and helpers speaking the protocol by hand.

import { decodeServerMessage, type ClientMessage, type ServerMessage } from '@lifeline/protocol';
import { FakeClock } from '@lifeline/testkit';
import { createSessionEngine, type Connection, type ConnectionHandle, type EngineDependencies, type RequestInfo, type ServerOptions, type SessionEngine } from '@lifeline/server';

/** A fake transport connection: records what the engine sent and how it closed. */
export class FakeConnection implements Connection {
  readonly frames: string[] = [];
  readonly closes: Array<{ code: number; reason: string }> = [];
  terminated = false;
  bufferedAmount = 0;
  handle: ConnectionHandle | undefined;
  /** Report the close back to the engine at once, as a transport eventually does. */
  echoClose = true;
  /** Grow bufferedAmount by every frame sent, as a peer that does not read would. */
  accumulate = false;

  send(text: string): void {
    if (this.terminated || this.closes.length > 0) throw new Error('send after close');
    this.frames.push(text);
    if (this.accumulate) this.bufferedAmount += Buffer.byteLength(text);
  }

  close(code: number, reason: string): void {
    this.closes.push({ code, reason });
    if (this.echoClose) this.handle?.closed(code, reason);
  }

  terminate(): void {
    this.terminated = true;
    this.handle?.closed(1006, '');
  }

  /** Every frame sent, decoded with the client's decoder (so the server's output is checked too). */
  messages(): ServerMessage[] {
    return this.frames.map((f) => {
      const d = decodeServerMessage(f);
      if (!d.ok) throw new Error(`server sent an invalid frame: ${d.error.message}: ${f}`);
      return d.message;
    });
  }

  ofType<T extends ServerMessage['t']>(t: T): Array<Extract<ServerMessage, { t: T }>> {
    return this.messages().filter((m): m is Extract<ServerMessage, { t: T }> => m.t === t);
  }

  welcome(): Extract<ServerMessage, { t: 'welcome' }> {
    const w = this.ofType('welcome')[0];
    if (!w) throw new Error('no welcome');
    return w;
  }

  get closeCode(): number | undefined {
    return this.closes[0]?.code;
  }

  /** Send a client message (or a raw string) to the engine. */
  push(message: ClientMessage | string): void {
    if (!this.handle) throw new Error('not accepted');
    this.handle.receive(typeof message === 'string' ? message : JSON.stringify(message), false);
  }

  /** The peer drops the connection (no close frame). */
  drop(): void {
    this.handle?.closed(1006, '');
  }
}

export const request: RequestInfo = { headers: {}, url: '/', remoteAddress: '127.0.0.1' };

/** A fake clock, an engine on it, and helpers to open connections. */
export function setup(options: Partial<ServerOptions> = {}, deps: EngineDependencies = {}): {
  clock: FakeClock;
  engine: SessionEngine;
  connect(address?: string): FakeConnection;
  hello(resume?: { id: string; token: string; lastSeq: number }, auth?: string, address?: string): Promise<FakeConnection>;
} {
  const clock = new FakeClock();
  let n = 0;
  const engine = createSessionEngine(
    {
      origins: 'any',
      clock,
      random: () => 0.5,
      generateId: () => `id-${++n}-0123456789abcdef`,
      ...options,
    },
    deps,
  );
  const connect = (address = '127.0.0.1'): FakeConnection => {
    const conn = new FakeConnection();
    conn.handle = engine.accept(conn, { ...request, remoteAddress: address });
    return conn;
  };
  /** Open a connection, say hello, and let the handshake finish (the store answers on a microtask). */
  const hello = async (resume?: { id: string; token: string; lastSeq: number }, auth?: string, address?: string): Promise<FakeConnection> => {
    const conn = connect(address);
    conn.push({ t: 'hello', v: 1, ...(resume ? { resume } : {}), ...(auth !== undefined ? { auth } : {}) });
    await flush();
    return conn;
  };
  return { clock, engine, connect, hello };
}

/** Let queued microtasks (store writes, batched acks, promise callbacks) run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
