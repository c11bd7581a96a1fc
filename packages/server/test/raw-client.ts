// A raw ws client speaking the Lifeline protocol by hand, with bounded waits, for integration tests.

import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { decodeServerMessage, type ClientMessage, type ServerMessage } from '@lifeline/protocol';
import WebSocket from 'ws';

/** Reject after `ms` with a message naming what was awaited. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One client connection; every server message is decoded and queued. */
export class RawClient {
  readonly received: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;
  private wake: (() => void) | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const d = decodeServerMessage(isBinary ? data : data.toString());
      if (!d.ok) throw new Error(`server sent an invalid frame: ${d.error.message}`);
      this.received.push(d.message);
      this.wake?.();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => {});
  }

  /** Open a connection offering `lifeline.v1`; rejects with the HTTP status on a refused upgrade. */
  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(url, 'lifeline.v1', options);
    const client = new RawClient(ws);
    return within(
      new Promise<RawClient>((resolve, reject) => {
        ws.once('open', () => resolve(client));
        ws.once('unexpected-response', (_req, res) => {
          reject(Object.assign(new Error(`HTTP ${res.statusCode ?? 0}`), { status: res.statusCode }));
          res.resume();
          ws.terminate();
        });
        ws.once('error', reject);
      }),
      3000,
      'open',
    );
  }

  send(message: ClientMessage | string): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message (after the ones already taken) matching `match`. */
  async next<T extends ServerMessage['t']>(t: T, ms = 2000, match: (m: Extract<ServerMessage, { t: T }>) => boolean = () => true): Promise<Extract<ServerMessage, { t: T }>> {
    const deadline = Date.now() + ms;
    for (;;) {
      while (this.cursor < this.received.length) {
        const m = this.received[this.cursor++];
        if (m && m.t === t && match(m as Extract<ServerMessage, { t: T }>)) return m as Extract<ServerMessage, { t: T }>;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${t}`);
      await within(new Promise<void>((resolve) => (this.wake = resolve)), left, t).catch(() => undefined);
    }
  }

  async hello(extra: Partial<Extract<ClientMessage, { t: 'hello' }>> = {}): Promise<Extract<ServerMessage, { t: 'welcome' }>> {
    this.send({ t: 'hello', v: 1, ...extra });
    return this.next('welcome');
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Encode one masked client text frame by hand (for raw sockets). */
export function clientTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 126) throw new Error('short frames only');
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/** Open a raw TCP socket and perform the WebSocket upgrade by hand; resolves after the 101. */
export function rawUpgrade(port: number): Promise<{ socket: Socket; rest: Buffer }> {
  return within(
    new Promise((resolve, reject) => {
      const socket = netConnect(port, '127.0.0.1');
      socket.on('error', reject);
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        if (!head.subarray(0, 12).toString().includes('101')) return reject(new Error(head.toString()));
        resolve({ socket, rest: head.subarray(end + 4) });
      };
      socket.on('data', onData);
      socket.write(
        [
          'GET / HTTP/1.1',
          `Host: 127.0.0.1:${port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
          'Sec-WebSocket-Version: 13',
          'Sec-WebSocket-Protocol: lifeline.v1',
          '',
          '',
        ].join('\r\n'),
      );
    }),
    3000,
    'raw upgrade',
  );
}

/** Walk server (unmasked) frames in `data`; returns the close code if a close frame is complete. */
export function findCloseCode(data: Buffer): number | undefined {
  let at = 0;
  while (at + 2 <= data.length) {
    const opcode = (data[at] ?? 0) & 0x0f;
    let len = (data[at + 1] ?? 0) & 0x7f;
    let header = 2;
    if (len === 126) {
      if (at + 4 > data.length) return undefined;
      len = data.readUInt16BE(at + 2);
      header = 4;
    } else if (len === 127) {
      if (at + 10 > data.length) return undefined;
      len = Number(data.readBigUInt64BE(at + 2));
      header = 10;
    }
    if (at + header + len > data.length) return undefined;
    if (opcode === 0x8) return len >= 2 ? data.readUInt16BE(at + header) : 1005;
    at += header + len;
  }
  return undefined;
}
