// Bad input against a real server: every hostile frame gets an error reply or a protocol close, the
// process never crashes, and a well-behaved client on the same server keeps getting its replies.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CloseCode, ErrorCode } from '@lifeline/protocol';
import { createLifelineServer, type LifelineServer } from '@lifeline/server/ws';
import { RawClient, findCloseCode, rawUpgrade, within } from './raw-client.js';

/** One masked client frame: any opcode, FIN or not, any payload length. */
function frame(opcode: number, payload: Buffer, fin = true): Buffer {
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
  const first = (fin ? 0x80 : 0) | opcode;
  let header: Buffer;
  if (payload.length < 126) header = Buffer.from([first, 0x80 | payload.length]);
  else if (payload.length < 65_536) {
    header = Buffer.alloc(4);
    header.writeUInt8(first, 0);
    header.writeUInt8(0x80 | 126, 1);
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.alloc(10);
    header.writeUInt8(first, 0);
    header.writeUInt8(0x80 | 127, 1);
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  return Buffer.concat([header, mask, masked]);
}

/** Write raw frames after a hand-made upgrade and resolve with the close code the server sent. */
async function closeCodeAfter(port: number, frames: Buffer[]): Promise<number | undefined> {
  const { socket, rest } = await rawUpgrade(port);
  let data = rest;
  const code = new Promise<number | undefined>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const found = findCloseCode(data);
      if (found !== undefined) resolve(found);
    });
    socket.on('close', () => resolve(findCloseCode(data)));
    socket.on('error', () => {});
  });
  for (const f of frames) if (!socket.destroyed) socket.write(f);
  try {
    return await within(code, 3000, 'close code');
  } finally {
    socket.destroy();
  }
}

/** Raw HTTP request text; resolves with the status line, or 'closed' if the server hung up. */
function rawRequest(port: number, text: string): Promise<string> {
  return within(
    new Promise((resolve) => {
      const socket: Socket = netConnect(port, '127.0.0.1');
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => resolve(data.split('\r\n')[0] || 'closed'));
      socket.write(text);
      socket.end();
    }),
    5000,
    'raw request',
  );
}

describe('bad input against a real server', () => {
  let server: LifelineServer;
  let url: string;
  let witness: RawClient;
  let witnessSeq = 0;

  /** The well-behaved client: one acknowledged message, now. */
  async function witnessRoundTrip(): Promise<void> {
    const seq = ++witnessSeq;
    witness.send({ t: 'msg', seq, data: { n: seq } });
    await witness.next('ack', 2000, (m) => m.seq >= seq);
  }

  before(async () => {
    server = createLifelineServer({ origins: 'any', host: '127.0.0.1', port: 0, maxViolations: 20 });
    await within(server.listening, 3000, 'listening');
    url = `ws://127.0.0.1:${server.port}/`;
    witness = await RawClient.open(url);
    await witness.hello();
  });

  after(async () => {
    witness.close();
    await within(server.close({ drain: 0 }), 5000, 'close');
  });

  it('answers each malformed frame with its error code and keeps the connection', async () => {
    const c = await RawClient.open(url);
    try {
      await c.hello();
      const cases: Array<[string | Buffer, string]> = [
        ['{"t":', ErrorCode.BadJson],
        ['"just a string"', ErrorCode.BadMessage],
        ['{"t":"subscribe","channel":"x"}', ErrorCode.UnknownType],
        ['{"t":"msg","seq":"1","data":1}', ErrorCode.BadMessage],
        ['{"t":"msg","seq":1e309,"data":1}', ErrorCode.BadMessage],
        ['{"t":"msg","seq":1,"data":{"__proto__":{"polluted":true}}}', ErrorCode.ForbiddenKey],
        ['{"t":"msg","seq":1,"data":{"a":{"constructor":{"prototype":{"polluted":true}}}}}', ErrorCode.ForbiddenKey],
        ['{"t":"msg","seq":1,"data":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}', ErrorCode.TooDeep],
        [Buffer.from([1, 2, 3]), ErrorCode.BadFrame],
        ['{"t":"msg","seq":5,"data":"gap"}', ErrorCode.SequenceGap],
      ];
      for (const [input, code] of cases) {
        if (typeof input === 'string') c.send(input);
        else c.ws.send(input, { binary: true });
        const error = await c.next('error');
        assert.equal(error.code, code, `${String(input).slice(0, 40)} → ${code}`);
      }
      // Still open and in order: the next valid message is seq 1 and is acknowledged.
      c.send({ t: 'msg', seq: 1, data: 'fine' });
      assert.equal((await c.next('ack')).seq, 1);
      assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
      await witnessRoundTrip();
    } finally {
      c.close();
    }
  });

  it('closes with 1008 after maxViolations bad frames; others are unaffected', async () => {
    const c = await RawClient.open(url);
    await c.hello();
    for (let i = 0; i < 25; i++) c.send('not json');
    const closed = await within(c.closed, 3000, 'close');
    assert.equal(closed.code, CloseCode.PolicyViolation);
    await witnessRoundTrip();
  });

  it('closes with 1009 above maxPayload, 1007 on invalid UTF-8, and stops a fragment flood', async () => {
    const big = Buffer.from(JSON.stringify({ t: 'msg', seq: 1, data: 'x'.repeat(70_000) }));
    assert.equal(await closeCodeAfter(server.port, [frame(0x1, big)]), CloseCode.MessageTooBig);
    assert.equal(await closeCodeAfter(server.port, [frame(0x1, Buffer.from([0x22, 0xff, 0xfe, 0x22]))]), CloseCode.InvalidPayload);
    const flood = [frame(0x1, Buffer.from('a'), false), ...Array.from({ length: 5_000 }, () => frame(0x0, Buffer.from('a'), false))];
    const code = await closeCodeAfter(server.port, flood);
    assert.ok(code === CloseCode.PolicyViolation || code === CloseCode.MessageTooBig, `fragment flood closed with ${String(code)}`);
    await witnessRoundTrip();
  });

  it('survives hostile handshakes: a header flood, a huge protocol header, a missing key', async () => {
    const headers = Array.from({ length: 3_000 }, (_, i) => `X-Flood-${i}: ${'v'.repeat(10)}`).join('\r\n');
    const flood = await rawRequest(server.port, `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${headers}\r\n\r\n`);
    assert.match(flood, /^(HTTP\/1\.1 4\d\d|closed)/);
    const protocols = Array.from({ length: 4_000 }, (_, i) => `p${i}`).join(', ');
    const huge = await rawRequest(
      server.port,
      `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Protocol: ${protocols}\r\n\r\n`,
    );
    assert.match(huge, /^(HTTP\/1\.1 (101|4\d\d)|closed)/);
    const noKey = await rawRequest(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n');
    assert.match(noKey, /^HTTP\/1\.1 400/);
    await witnessRoundTrip();
  });

  it('a message before hello gets not-ready; a second hello closes with 4400', async () => {
    const c = await RawClient.open(url);
    c.send({ t: 'msg', seq: 1, data: 'early' });
    assert.equal((await c.next('error')).code, ErrorCode.NotReady);
    await c.hello();
    c.send({ t: 'hello', v: 1 });
    assert.equal((await within(c.closed, 3000, 'close')).code, CloseCode.BadRequest);
    await witnessRoundTrip();
  });
});
