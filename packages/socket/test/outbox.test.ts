// Outbox: bounds by count and UTF-8 bytes, overflow policies, order, and exactly-once delivery across reconnects.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8ByteLength } from '@lifeline/core';
import { DEFAULT_OUTBOX, OutboxOverflowError, byteLengthOf, type SendData } from '@lifeline/socket';
import { FakeWebSocket } from '@lifeline/testkit';
import { Outbox } from '../src/outbox.js';
import { setup } from './harness.js';

describe('byte sizes', () => {
  it('counts strings in UTF-8 exactly as TextEncoder does', () => {
    const encoder = new TextEncoder();
    const samples = ['', 'ascii', 'é', '€', '😀', 'a😀b€é', '\ud800', 'x\udc00y', '\ud83d', '日本語テキスト'.repeat(50)];
    for (const text of samples) assert.equal(utf8ByteLength(text), encoder.encode(text).length, JSON.stringify(text));
  });

  it('uses byteLength for binary data and size for blobs', () => {
    assert.equal(byteLengthOf(new ArrayBuffer(10)), 10);
    assert.equal(byteLengthOf(new Uint32Array(new ArrayBuffer(64), 8, 4)), 16);
    assert.equal(byteLengthOf({ size: 123, type: 'image/png' }), 123);
  });
});

describe('Outbox (unit)', () => {
  const drain = (outbox: Outbox) => {
    const out: SendData[] = [];
    outbox.flush((d) => {
      out.push(d);
      return true;
    });
    return out;
  };

  it('throws OutboxOverflowError past maxMessages and keeps what it has', () => {
    const outbox = new Outbox({ ...DEFAULT_OUTBOX, maxMessages: 2 });
    outbox.push('a');
    outbox.push('b');
    assert.throws(
      () => outbox.push('c'),
      (e: unknown) => e instanceof OutboxOverflowError && e.name === 'OutboxOverflowError' && e.data === 'c',
    );
    assert.deepEqual(drain(outbox), ['a', 'b']);
  });

  it('bounds bytes in UTF-8, not in UTF-16 code units', () => {
    const outbox = new Outbox({ ...DEFAULT_OUTBOX, maxBytes: 8 });
    outbox.push('€€'); // 6 bytes, 2 code units
    assert.equal(outbox.bytes, 6);
    assert.throws(() => outbox.push('é€'), OutboxOverflowError); // 5 bytes: 11 > 8
    outbox.push('é'); // 2 bytes: exactly 8
    assert.equal(outbox.bytes, 8);
    assert.deepEqual(drain(outbox), ['€€', 'é']);
    assert.equal(outbox.bytes, 0);
  });

  it('drop-oldest evicts from the front and preserves order', () => {
    const outbox = new Outbox({ maxMessages: 3, maxBytes: 100, onOverflow: 'drop-oldest' });
    for (const m of ['1', '2', '3', '4', '5']) outbox.push(m);
    assert.deepEqual(drain(outbox), ['3', '4', '5']);
  });

  it('drop-oldest still throws for a message that can never fit', () => {
    const outbox = new Outbox({ maxMessages: 3, maxBytes: 4, onOverflow: 'drop-oldest' });
    outbox.push('ab');
    assert.throws(() => outbox.push('abcde'), OutboxOverflowError);
    assert.deepEqual(drain(outbox), ['ab']);
  });

  it('hands an overflowing message to a function policy instead of queueing it', () => {
    const rejected: SendData[] = [];
    const outbox = new Outbox({ maxMessages: 1, maxBytes: 100, onOverflow: (d) => rejected.push(d) });
    outbox.push('kept');
    outbox.push('rejected');
    assert.deepEqual(rejected, ['rejected']);
    assert.deepEqual(drain(outbox), ['kept']);
  });

  it('stops flushing when the writer refuses or throws, keeping that message', () => {
    const outbox = new Outbox(DEFAULT_OUTBOX);
    for (const m of ['a', 'b', 'c', 'd']) outbox.push(m);
    const written: string[] = [];
    outbox.flush((d) => {
      if (d === 'b') return false; // the link stopped being writable
      written.push(String(d));
      return true;
    });
    assert.deepEqual(written, ['a']);
    assert.throws(() =>
      outbox.flush((d) => {
        if (d === 'c') throw new Error('write failed');
        written.push(String(d));
        return true;
      }),
    );
    assert.deepEqual(written, ['a', 'b']);
    assert.deepEqual(drain(outbox), ['c', 'd']);
  });
});

describe('socket outbox', () => {
  it('queues while connecting and flushes in order before open listeners run', () => {
    const { socket, transport } = setup();
    socket.send('queued 1');
    socket.send(new Uint8Array([1, 2, 3]));
    socket.send('queued 2');
    assert.equal(socket.outboxSize, 3);
    assert.equal(socket.bufferedAmount, 8 + 3 + 8);
    socket.onopen = () => socket.send('from onopen');
    transport.last.open();
    assert.deepEqual(transport.last.sent.map(String), ['queued 1', '1,2,3', 'queued 2', 'from onopen']);
    assert.equal(socket.outboxSize, 0);
    assert.equal(socket.bufferedAmount, 0);
  });

  it('a message sent from a statechange listener still goes after the queued ones', () => {
    const { socket, transport } = setup();
    socket.send('queued');
    socket.on('statechange', (e) => e.to === 'open' && socket.send('from statechange'));
    transport.last.open();
    assert.deepEqual(transport.last.sentText, ['queued', 'from statechange']);
  });

  it('throws OutboxOverflowError from send() and leaves the socket working', () => {
    const { socket, transport } = setup({ outbox: { maxMessages: 2 } });
    socket.send('a');
    socket.send('b');
    assert.throws(() => socket.send('c'), OutboxOverflowError);
    assert.equal(socket.state, 'connecting');
    transport.last.open();
    socket.send('c');
    assert.deepEqual(transport.last.sentText, ['a', 'b', 'c']);
  });

  it('delivers every message exactly once, in order, across several reconnects', () => {
    const { socket, transport, clock } = setup({ heartbeat: false });
    const expected: string[] = [];
    let n = 0;
    const sendSome = (count: number) => {
      for (let i = 0; i < count; i++) {
        const m = `m${n++}`;
        expected.push(m);
        socket.send(m);
      }
    };
    for (let round = 0; round < 5; round++) {
      sendSome(3); // while connecting or reconnecting: queued
      transport.last.open();
      sendSome(2); // while open: written directly
      transport.last.serverClose(1006);
      sendSome(2); // after the loss: queued again
      clock.advance(10_000);
    }
    transport.last.open();
    const delivered = transport.sockets.flatMap((s) => s.sentText);
    assert.deepEqual(delivered, expected);
    assert.equal(new Set(delivered).size, delivered.length);
  });

  it('queues instead of writing into a link that is already closing', () => {
    const { socket, transport } = setup();
    transport.last.open();
    transport.last.readyState = 2; // the server's close frame arrived; onclose has not fired yet
    socket.send('not lost');
    assert.deepEqual(transport.last.sent, []);
    assert.equal(socket.outboxSize, 1);
    transport.last.serverClose(1001);
    socket.reconnect();
    transport.last.open();
    assert.deepEqual(transport.last.sentText, ['not lost']);
  });

  it('stops flushing when the transport throws and resumes on the next send', () => {
    const sockets: FlakySocket[] = [];
    class FlakySocket extends FakeWebSocket {
      failures = 0;
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
      override send(data: SendData): void {
        if (this.failures > 0) {
          this.failures--;
          throw new Error('buffer full');
        }
        super.send(data);
      }
    }
    const { socket, log } = setup({ WebSocket: FlakySocket });
    for (const m of ['a', 'b', 'c']) socket.send(m);
    const link = sockets[0];
    assert.ok(link);
    link.failures = 1;
    link.open();
    assert.deepEqual(link.sentText, []);
    assert.equal(socket.outboxSize, 3);
    assert.ok(log.includes('error'));
    socket.send('d');
    assert.deepEqual(link.sentText, ['a', 'b', 'c', 'd']);
  });

  it('send() after close() throws InvalidStateError; close() keeps queued messages for reconnect()', () => {
    const { socket, transport } = setup();
    socket.send('pending');
    socket.close();
    assert.throws(() => socket.send('late'), { name: 'InvalidStateError' });
    assert.equal(socket.outboxSize, 1);
    socket.reconnect();
    transport.last.open();
    assert.deepEqual(transport.last.sentText, ['pending']);
  });

  it('validates outbox options', () => {
    assert.throws(() => setup({ outbox: { maxMessages: -1 } }), RangeError);
    assert.throws(() => setup({ outbox: { maxBytes: 1.5 } }), RangeError);
    assert.throws(() => setup({ outbox: { onOverflow: 'drop-newest' as 'throw' } }), TypeError);
  });
});
