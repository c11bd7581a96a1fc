import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CLOSE_CODES,
  CloseCode,
  ERROR_CODES,
  ErrorCode,
  PROTOCOL_VERSION,
  closeCodeInfo,
  decodeClientMessage,
  decodeServerMessage,
  encode,
  sessionRetries,
  type ClientMessage,
  type ServerMessage,
} from '@lifeline/protocol';

function errorCodeOf(result: ReturnType<typeof decodeClientMessage>): string | undefined {
  return result.ok ? undefined : result.error.code;
}

describe('client messages round-trip', () => {
  const samples: ClientMessage[] = [
    { t: 'hello', v: PROTOCOL_VERSION },
    { t: 'hello', v: 1, resume: { id: 'abc', token: 'secret', lastSeq: 7 }, auth: { token: 't' } },
    { t: 'msg', seq: 1, data: { text: 'hi', n: [1, 2, null] } },
    { t: 'msg', seq: 2, data: 'x', key: 'k-1' },
    { t: 'msg', seq: 3, data: null },
    { t: 'ack', seq: 0 },
    { t: 'pong' },
    { t: 'pong', ack: 4 },
    { t: 'ping' },
    { t: 'ping', ack: 2 },
    { t: 'bye' },
  ];
  for (const message of samples) {
    it(`${message.t} ${JSON.stringify(message).slice(0, 40)}`, () => {
      const decoded = decodeClientMessage(encode(message));
      assert.deepEqual(decoded, { ok: true, message });
    });
  }
});

describe('server messages round-trip', () => {
  const samples: ServerMessage[] = [
    {
      t: 'welcome',
      v: 1,
      session: { id: 's1', token: 'tok' },
      resumed: false,
      reason: 'new',
      lastSeq: 0,
      heartbeat: { interval: 20_000, timeout: 10_000 },
      maxPayload: 65_536,
    },
    { t: 'welcome', v: 1, session: { id: 's1', token: 'tok' }, resumed: true, lastSeq: 9, heartbeat: { interval: 50, timeout: 50 }, maxPayload: 10 },
    { t: 'msg', seq: 5, data: [1, 'two', { three: 3 }] },
    { t: 'ack', seq: 12 },
    { t: 'ping' },
    { t: 'ping', ack: 3 },
    { t: 'pong' },
    { t: 'pong', ack: 8 },
    { t: 'error', code: 'bad-json', message: 'invalid JSON' },
    { t: 'error', code: 'sequence-gap', message: 'gap', seq: 4 },
    { t: 'goaway', code: 1012, reason: 'drain', retryAfter: 500 },
    { t: 'goaway', code: 1013, reason: 'capacity' },
  ];
  for (const message of samples) {
    it(`${message.t} ${JSON.stringify(message).slice(0, 40)}`, () => {
      assert.deepEqual(decodeServerMessage(encode(message)), { ok: true, message });
    });
  }
});

describe('malformed input never throws and names the problem', () => {
  const cases: Array<[string, unknown, string]> = [
    ['binary frame', new Uint8Array([1, 2, 3]), ErrorCode.BadFrame],
    ['undefined', undefined, ErrorCode.BadFrame],
    ['bad JSON', '{"t":', ErrorCode.BadJson],
    ['empty string', '', ErrorCode.BadJson],
    ['array', '[1,2]', ErrorCode.BadMessage],
    ['number', '42', ErrorCode.BadMessage],
    ['null', 'null', ErrorCode.BadMessage],
    ['missing type', '{"seq":1}', ErrorCode.BadMessage],
    ['numeric type', '{"t":5}', ErrorCode.BadMessage],
    ['unknown type', '{"t":"subscribe"}', ErrorCode.UnknownType],
    ['server-only type from client', '{"t":"welcome"}', ErrorCode.UnknownType],
    ['ping with a bad ack', '{"t":"ping","ack":-2}', ErrorCode.BadMessage],
    ['seq zero', '{"t":"msg","seq":0,"data":1}', ErrorCode.BadMessage],
    ['seq negative', '{"t":"msg","seq":-1,"data":1}', ErrorCode.BadMessage],
    ['seq fraction', '{"t":"msg","seq":1.5,"data":1}', ErrorCode.BadMessage],
    ['seq huge', '{"t":"msg","seq":1e300,"data":1}', ErrorCode.BadMessage],
    ['seq string', '{"t":"msg","seq":"1","data":1}', ErrorCode.BadMessage],
    ['missing data', '{"t":"msg","seq":1}', ErrorCode.BadMessage],
    ['empty key', '{"t":"msg","seq":1,"data":1,"key":""}', ErrorCode.BadMessage],
    ['long key', JSON.stringify({ t: 'msg', seq: 1, data: 1, key: 'k'.repeat(300) }), ErrorCode.BadMessage],
    ['hello without version', '{"t":"hello"}', ErrorCode.BadMessage],
    ['hello with bad resume', '{"t":"hello","v":1,"resume":{"id":"a"}}', ErrorCode.BadMessage],
    ['__proto__ key', '{"t":"msg","seq":1,"data":{"__proto__":{"polluted":1}}}', ErrorCode.ForbiddenKey],
    ['constructor key', '{"t":"msg","seq":1,"data":{"a":[{"constructor":{"prototype":{}}}]}}', ErrorCode.ForbiddenKey],
    ['top-level __proto__', '{"t":"ack","seq":1,"__proto__":{"x":1}}', ErrorCode.ForbiddenKey],
    ['too deep', '{"t":"msg","seq":1,"data":' + '['.repeat(100) + ']'.repeat(100) + '}', ErrorCode.TooDeep],
    ['hostile depth', '['.repeat(100_000) + ']'.repeat(100_000), ErrorCode.TooLarge],
    ['too long', JSON.stringify({ t: 'msg', seq: 1, data: 'x'.repeat(70_000) }), ErrorCode.TooLarge],
  ];
  for (const [name, frame, code] of cases) {
    it(name, () => {
      const result = decodeClientMessage(frame);
      assert.equal(result.ok, false);
      assert.equal(errorCodeOf(result), code);
    });
  }

  it('deep nesting within the length limit is rejected without a stack overflow', () => {
    const frame = '['.repeat(30_000) + ']'.repeat(30_000);
    const result = decodeClientMessage(frame);
    assert.equal(errorCodeOf(result), ErrorCode.TooDeep);
  });

  it('reports the seq of a malformed message when it can', () => {
    const result = decodeClientMessage('{"t":"msg","seq":4,"data":1,"key":5}');
    assert.deepEqual(result, { ok: false, error: { code: ErrorCode.BadMessage, message: 'msg.key must be a short non-empty string', seq: 4 } });
  });

  it('never pollutes Object.prototype', () => {
    decodeClientMessage('{"t":"msg","seq":1,"data":{"__proto__":{"polluted":1}}}');
    decodeServerMessage('{"t":"msg","seq":1,"data":{"__proto__":{"polluted":1}}}');
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
  });

  it('rejects welcome with unknown resume reason and error with unknown code', () => {
    const welcome = { t: 'welcome', v: 1, session: { id: 'a', token: 'b' }, resumed: false, reason: 'whatever', lastSeq: 0, heartbeat: { interval: 1, timeout: 1 }, maxPayload: 1 };
    assert.equal(decodeServerMessage(JSON.stringify(welcome)).ok, false);
    assert.equal(decodeServerMessage('{"t":"error","code":"nope","message":"x"}').ok, false);
  });

  it('takes the canonical heartbeat fast path with the same results as the full decoder', () => {
    for (const text of ['{"t":"ping"}', '{"t":"pong"}', '{"t":"pong","ack":0}', '{"t":"ping","ack":123456789012345}']) {
      assert.deepEqual(decodeClientMessage(text), { ok: true, message: JSON.parse(text) });
      assert.deepEqual(decodeServerMessage(text), { ok: true, message: JSON.parse(text) });
    }
    // Non-canonical forms go through the full decoder and keep its verdicts.
    assert.deepEqual(decodeClientMessage('{ "t": "pong", "ack": 7 }'), { ok: true, message: { t: 'pong', ack: 7 } });
    assert.equal(errorCodeOf(decodeClientMessage('{"t":"pong","ack":01}')), ErrorCode.BadJson);
    assert.equal(errorCodeOf(decodeClientMessage('{"t":"pong","ack":1234567890123456789}')), ErrorCode.BadMessage);
  });

  it('respects custom limits', () => {
    assert.equal(errorCodeOf(decodeClientMessage('{"t":"msg","seq":1,"data":[[1]]}', { maxDepth: 2 })), ErrorCode.TooDeep);
    assert.equal(decodeClientMessage('{"t":"msg","seq":1,"data":[1]}', { maxDepth: 2 }).ok, true);
    assert.equal(errorCodeOf(decodeClientMessage('{"t":"bye"}', { maxLength: 5 })), ErrorCode.TooLarge);
  });

  it('property: arbitrary strings and JSON values never throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ t: 'msg', seq: 1, data: v }))), (frame) => {
        const a = decodeClientMessage(frame);
        const b = decodeServerMessage(frame);
        assert.equal(typeof a.ok, 'boolean');
        assert.equal(typeof b.ok, 'boolean');
      }),
      { numRuns: 2_000 },
    );
  });

  it('property: any JSON payload survives a msg round trip', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 10 }), fc.integer({ min: 1, max: 1_000_000 }), (data, seq) => {
        const text = JSON.stringify({ t: 'msg', seq, data });
        const decoded = decodeClientMessage(text);
        if (!decoded.ok) {
          // Only the forbidden keys may be refused.
          assert.equal(decoded.error.code, ErrorCode.ForbiddenKey);
          return;
        }
        assert.equal(encode(decoded.message), text);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('codes', () => {
  it('terminal and retryable close codes', () => {
    for (const code of [1000, 1002, 1003, 1007, 1008, 1009, 1010, 4001, 4003, 4005, 4400]) assert.equal(sessionRetries(code), false, `${code}`);
    for (const code of [1001, 1005, 1006, 1011, 1012, 1013, 1014, 4008, 4009, 4010, 4011, 4029]) assert.equal(sessionRetries(code), true, `${code}`);
    assert.equal(sessionRetries(4777), true, 'unknown application codes do not stop a client');
  });

  it('every CloseCode constant has a table row and the table has no duplicates', () => {
    const codes = CLOSE_CODES.map((row) => row.code);
    assert.equal(new Set(codes).size, codes.length);
    for (const code of Object.values(CloseCode)) assert.ok(closeCodeInfo(code), `row for ${code}`);
  });

  it('every ErrorCode constant has a table row', () => {
    const rows = new Set(ERROR_CODES.map((row) => row.code));
    for (const code of Object.values(ErrorCode)) assert.ok(rows.has(code), code);
    assert.equal(rows.size, Object.values(ErrorCode).length);
  });
});
