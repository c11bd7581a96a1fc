// The channel and RPC messages: round trips, the canonical frames equal to `encode`, and what the validators refuse.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  RecoveryFailure,
  decodeClientMessage,
  decodeServerMessage,
  encode,
  isChannelName,
  publicationFrame,
  publicationOffset,
  replyErrorFrame,
  replyFrame,
  type ClientMessage,
  type Json,
  type ServerMessage,
} from '@lifeline/protocol';

describe('channel and RPC messages round-trip', () => {
  const client: ClientMessage[] = [
    { t: 'sub', ch: 'news' },
    { t: 'sub', ch: '/topic/public', since: { epoch: 'e1', offset: 0 } },
    { t: 'unsub', ch: 'news' },
    { t: 'msg', seq: 4, data: { text: 'hi' }, key: 'k', ch: 'room:1' },
    { t: 'msg', seq: 5, data: [1, 2], key: 'call-1', call: 'sum' },
  ];
  for (const m of client) it(`client ${JSON.stringify(m)}`, () => assert.deepEqual(decodeClientMessage(encode(m)), { ok: true, message: m }));
  const server: ServerMessage[] = [
    { t: 'subscribed', ch: 'news', epoch: 'e1', offset: 0 },
    { t: 'subscribed', ch: 'news', epoch: 'e1', offset: 9, recovered: true },
    { t: 'subscribed', ch: 'news', epoch: 'e2', offset: 3, recovered: false, reason: RecoveryFailure.EpochChanged },
    { t: 'pub', ch: 'news', epoch: 'e1', offset: 1, data: { n: 1 } },
    { t: 'unsub', ch: 'news', code: 'forbidden', message: 'no' },
    { t: 'msg', seq: 2, data: 5, re: 'call-1' },
    { t: 'presence', ch: 'room', members: [{ id: 'alice', devices: 2 }] },
    { t: 'join', ch: 'room', id: 'bob', devices: 1 },
    { t: 'leave', ch: 'room', id: 'bob', lastSeen: 1_700_000_000_000 },
    { t: 'msg', seq: 3, data: null, re: 'call-2', err: { code: 'call-failed', message: 'nope', data: { x: 1 } } },
  ];
  for (const m of server) it(`server ${JSON.stringify(m)}`, () => assert.deepEqual(decodeServerMessage(encode(m)), { ok: true, message: m }));
});

describe('canonical frames', () => {
  it('publicationFrame, replyFrame and replyErrorFrame write exactly what encode writes', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9:/._-]{1,20}$/), fc.nat(), fc.jsonValue(), (ch, offset, data) => {
        const json = JSON.stringify(data);
        const parsed = JSON.parse(json) as Json;
        assert.equal(publicationFrame(ch, 'ep', offset + 1, json), encode({ t: 'pub', ch, epoch: 'ep', offset: offset + 1, data: parsed }));
        assert.equal(replyFrame(offset + 1, ch, json), encode({ t: 'msg', seq: offset + 1, data: parsed, re: ch }));
      }),
    );
    assert.equal(publicationOffset(publicationFrame('a', 'ep', 42, '{"offset":7}')), 42);
    assert.equal(publicationOffset('{"t":"join","ch":"a","offset":3}'), undefined);
    const err = { code: 'call-failed', message: 'x' } as const;
    assert.equal(replyErrorFrame(7, 'id', JSON.stringify(err)), encode({ t: 'msg', seq: 7, data: null, re: 'id', err }));
  });
});

describe('the validators refuse', () => {
  const refusedClient: Array<[string, unknown]> = [
    ['sub without ch', { t: 'sub' }],
    ['sub with an empty ch', { t: 'sub', ch: '' }],
    ['sub with a bad since', { t: 'sub', ch: 'a', since: { epoch: 'e', offset: -1 } }],
    ['a call without a key', { t: 'msg', seq: 1, data: null, call: 'm' }],
    ['a call that is also a publication', { t: 'msg', seq: 1, data: null, key: 'k', call: 'm', ch: 'c' }],
    ['a publication to an empty channel', { t: 'msg', seq: 1, data: null, ch: '' }],
  ];
  for (const [name, value] of refusedClient) {
    it(name, () => {
      const r = decodeClientMessage(JSON.stringify(value));
      assert.equal(r.ok, false);
    });
  }
  const refusedServer: Array<[string, unknown]> = [
    ['pub at offset 0', { t: 'pub', ch: 'a', epoch: 'e', offset: 0, data: 1 }],
    ['pub without data', { t: 'pub', ch: 'a', epoch: 'e', offset: 1 }],
    ['subscribed with an unknown reason', { t: 'subscribed', ch: 'a', epoch: 'e', offset: 1, recovered: false, reason: 'lost' }],
    ['unsub with an unknown code', { t: 'unsub', ch: 'a', code: 'nope', message: '' }],
    ['a reply error without re', { t: 'msg', seq: 1, data: null, err: { code: 'call-failed', message: 'x' } }],
    ['a member without devices', { t: 'presence', ch: 'a', members: [{ id: 'x', devices: 0 }] }],
    ['a leave without lastSeen', { t: 'leave', ch: 'a', id: 'x' }],
    ['a reply error with an unknown code', { t: 'msg', seq: 1, data: null, re: 'r', err: { code: 'oops', message: 'x' } }],
  ];
  for (const [name, value] of refusedServer) {
    it(name, () => assert.equal(decodeServerMessage(JSON.stringify(value)).ok, false));
  }
});

describe('channel names', () => {
  it('letters, digits and _ - . : @ / = ~ +, within the length', () => {
    assert.equal(isChannelName('/topic/public', 128), true);
    assert.equal(isChannelName('user:42@devices=1~a+b', 128), true);
    assert.equal(isChannelName('', 128), false);
    assert.equal(isChannelName('a b', 128), false);
    assert.equal(isChannelName('a"b', 128), false);
    assert.equal(isChannelName('x'.repeat(129), 128), false);
    assert.equal(isChannelName(42, 128), false);
  });
});
