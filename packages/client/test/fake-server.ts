// A scripted fake Lifeline server over FakeTransport, plus the client setup the tests share.

import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  SUBPROTOCOL,
  decodeClientMessage,
  encode,
  type ClientMessage,
  type HelloMessage,
  type Json,
  type ServerMessage,
  type WelcomeMessage,
} from '@lifeline/protocol';
import { nullEnvironment } from '@lifeline/socket';
import { FakeClock, FakeTransport, seededRandom, type FakeWebSocket } from '@lifeline/testkit';
import { LifelineClient, type LifelineClientEventMap, type LifelineClientOptions } from '../src/index.js';

/** Let promise callbacks (async `auth()`, send settlements) run; bounded, no real sleeping. */
export async function flush(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await nextTurn();
}

/** The state of a promise after {@link flush}: settled value, rejection, or still pending. */
export function track<T>(promise: Promise<T>): { readonly state: 'pending' | 'resolved' | 'rejected'; readonly error: unknown } {
  const result: { state: 'pending' | 'resolved' | 'rejected'; error: unknown } = { state: 'pending', error: undefined };
  promise.then(
    () => void (result.state = 'resolved'),
    (error: unknown) => {
      result.state = 'rejected';
      result.error = error;
    },
  );
  return result;
}

type WelcomeFields = Partial<Omit<WelcomeMessage, 't'>>;

/**
 * Plays the server side of PROTOCOL.md on the newest fake socket: accepts links, reads the client's
 * frames with the real decoder, and answers with the real encoder.
 */
export class FakeServer {
  /** The server's own sequence counter for `push()`, per session. */
  private seq = 0;
  private sessionCount = 0;

  constructor(
    readonly transport: FakeTransport,
    readonly clock: FakeClock,
  ) {}

  /** The newest link. */
  get ws(): FakeWebSocket {
    return this.transport.last;
  }

  /** Every client frame sent on `ws`, decoded (a frame the decoder rejects fails the test). */
  frames(ws: FakeWebSocket = this.ws): ClientMessage[] {
    return ws.sentText.map((text) => {
      const decoded = decodeClientMessage(text, { maxLength: Number.MAX_SAFE_INTEGER });
      if (!decoded.ok) throw new Error(`client sent an invalid frame: ${decoded.error.message}: ${text.slice(0, 200)}`);
      return decoded.message;
    });
  }

  /** Frames of one type on `ws`. */
  framesOf<T extends ClientMessage['t']>(t: T, ws: FakeWebSocket = this.ws): Array<Extract<ClientMessage, { t: T }>> {
    return this.frames(ws).filter((m): m is Extract<ClientMessage, { t: T }> => m.t === t);
  }

  /** Open the newest link and return the client's hello (after letting an async `auth()` settle). */
  async accept(): Promise<HelloMessage> {
    const ws = this.ws;
    ws.open(SUBPROTOCOL);
    await flush();
    const first = this.frames(ws)[0];
    if (!first || first.t !== 'hello') throw new Error(`expected a hello first, got ${JSON.stringify(first)}`);
    return first;
  }

  /** Answer with a welcome; defaults to a fresh session `s<n>` with 20 s / 10 s heartbeat and 64 KiB. */
  welcome(fields: WelcomeFields = {}): WelcomeMessage {
    const resumed = fields.resumed ?? false;
    if (!resumed) this.seq = 0;
    const n = resumed ? this.sessionCount : ++this.sessionCount;
    const welcome: WelcomeMessage = {
      t: 'welcome',
      v: 1,
      session: { id: `s${n}`, token: `token-${n}` },
      resumed,
      ...(resumed ? {} : { reason: 'new' as const }),
      lastSeq: 0,
      heartbeat: { interval: 20_000, timeout: 10_000 },
      maxPayload: 65_536,
      ...fields,
    };
    this.send(welcome);
    return welcome;
  }

  /** Accept the newest link and welcome it. */
  async connect(fields: WelcomeFields = {}): Promise<HelloMessage> {
    const hello = await this.accept();
    this.welcome(fields);
    await flush();
    return hello;
  }

  send(message: ServerMessage, ws: FakeWebSocket = this.ws): void {
    ws.receive(encode(message));
  }

  /** An application message with the next server seq (or an explicit one, for replays and gaps). */
  push(data: Json, seq?: number): number {
    const s = seq ?? ++this.seq;
    if (seq !== undefined) this.seq = Math.max(this.seq, seq);
    this.send({ t: 'msg', seq: s, data });
    return s;
  }

  ack(seq: number): void {
    this.send({ t: 'ack', seq });
  }

  ping(ack?: number): void {
    this.send(ack === undefined ? { t: 'ping' } : { t: 'ping', ack });
  }

  /** Close the newest link from the server side (1006: the network dropped it). */
  drop(code = 1006, reason = ''): void {
    this.ws.serverClose(code, reason);
  }

  /** Run the clock to the next pending timer (the reconnect delay) and no further. */
  advanceToNextTimer(): number {
    const at = this.clock.nextAt();
    if (at === undefined) throw new Error('no timer pending');
    const delay = Math.max(0, at - this.clock.now());
    this.clock.advance(delay);
    return delay;
  }
}

/** Everything a test needs: a client on a fake transport and clock, its server, and recorded events. */
export function setup(options: LifelineClientOptions = {}) {
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const reported: unknown[] = [];
  let keys = 0;
  const client = new LifelineClient('ws://lifeline.test/session', {
    WebSocket: transport.WebSocket,
    clock,
    random: seededRandom(7),
    environment: nullEnvironment,
    reportError: (error) => reported.push(error),
    generateKey: () => `key-${++keys}`,
    ...options,
  });
  const server = new FakeServer(transport, clock);
  const events = record(client);
  return { client, server, clock, transport, reported, events };
}

/** Every client event, in order, as [type, first argument, second argument]. */
export function record(client: LifelineClient) {
  const log: Array<{ type: keyof LifelineClientEventMap; args: readonly unknown[] }> = [];
  const types: Array<keyof LifelineClientEventMap> = [
    'message',
    'session',
    'statechange',
    'phase',
    'reconnecting',
    'heartbeat',
    'giveup',
    'close',
    'error',
  ];
  for (const type of types) client.on(type, (...args: readonly unknown[]) => log.push({ type, args }));
  return {
    log,
    of<K extends keyof LifelineClientEventMap>(type: K): Array<LifelineClientEventMap[K]> {
      return log.filter((e) => e.type === type).map((e) => e.args as LifelineClientEventMap[K]);
    },
    first<K extends keyof LifelineClientEventMap>(type: K): LifelineClientEventMap[K][0][] {
      return log.filter((e) => e.type === type).map((e) => e.args[0] as LifelineClientEventMap[K][0]);
    },
  };
}
