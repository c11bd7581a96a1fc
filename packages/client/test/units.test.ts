// The client's pure parts: UTF-8 sizing, the outbox's acks and renumbering, the inbox's arithmetic.

import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { LifelineError } from '../src/errors.js';
import { Inbox } from '../src/inbox.js';
import { Outbox, encodeEntry } from '../src/outbox.js';
import { utf8ByteLength } from '@lifeline/core';

describe('utf8ByteLength', () => {
  it('matches Buffer.byteLength, surrogate pairs and lone surrogates included', () => {
    for (const text of ['', 'ascii', 'é', '€', '𝄞', 'a\uD800b', '\uDC00', 'mixed é€𝄞 text']) {
      assert.equal(utf8ByteLength(text), Buffer.byteLength(text, 'utf8'), JSON.stringify(text));
    }
  });
});

describe('Outbox', () => {
  function filled(n: number) {
    const outbox = new Outbox({ maxMessages: 10, maxBytes: 10_000 });
    const settled: string[] = [];
    for (let i = 0; i < n; i++) {
      const seq = outbox.nextSeq;
      const { frame, bytes } = encodeEntry(seq, `k${seq}`, seq);
      outbox.add(
        { seq, key: `k${seq}`, data: seq, frame, bytes },
        () => settled.push(`ok${seq}`),
        (e) => settled.push(`${e.code}${seq}`),
      );
    }
    return { outbox, settled };
  }

  it('acks cumulatively and keeps byte accounting exact', () => {
    const { outbox, settled } = filled(4);
    const total = outbox.bytes;
    assert.equal(outbox.ack(0), 0);
    assert.equal(outbox.ack(2), 2);
    assert.equal(outbox.ack(2), 0);
    assert.deepEqual(settled, ['ok1', 'ok2']);
    assert.ok(outbox.bytes < total);
    assert.equal(outbox.ack(99), 2);
    assert.equal(outbox.bytes, 0);
    assert.equal(outbox.nextSeq, 5);
  });

  it('renumbers from 1 keeping keys, and rejects what no longer fits', () => {
    const { outbox, settled } = filled(4);
    outbox.ack(1);
    outbox.renumber((bytes) => (bytes > 0 && outbox.size === 1 ? new LifelineError('too-large', 'x') : undefined));
    assert.deepEqual(
      outbox.pending().map((e) => [e.seq, e.key]),
      [[1, 'k2']],
    );
    assert.deepEqual(settled, ['ok1', 'too-large3', 'too-large4']);
    assert.equal(outbox.nextSeq, 2);
    assert.equal(outbox.bytes, outbox.pending()[0]?.bytes);
  });

  it('refuses an out-of-order seq and reports fit by count and bytes', () => {
    const outbox = new Outbox({ maxMessages: 1, maxBytes: 50 });
    assert.equal(outbox.fits(51), false);
    assert.equal(outbox.fits(50), true);
    const { frame, bytes } = encodeEntry(2, 'k', 1);
    assert.throws(() => outbox.add({ seq: 2, key: 'k', data: 1, frame, bytes }, () => {}, () => {}), RangeError);
  });
});

describe('Inbox', () => {
  it('classifies arrivals and batches acks', () => {
    const inbox = new Inbox(2);
    assert.equal(inbox.classify(2), 'gap');
    assert.equal(inbox.classify(1), 'deliver');
    assert.equal(inbox.markDelivered(1), undefined);
    assert.equal(inbox.classify(1), 'replay');
    assert.equal(inbox.markDelivered(2), 2);
    inbox.ackedAll();
    assert.equal(inbox.markDelivered(3), undefined);
    inbox.restart(false);
    assert.equal(inbox.lastSeq, 3);
    assert.equal(inbox.markDelivered(4), undefined, 'the resume hello acked up to 3');
    inbox.restart(true);
    assert.equal(inbox.lastSeq, 0);
    assert.equal(inbox.classify(1), 'deliver');
  });
});
