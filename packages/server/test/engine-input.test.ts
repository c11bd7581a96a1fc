// Session engine against fake connections and a fake clock: hostile input, drain, options.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloseCode, ErrorCode } from '@lifeline/protocol';
import { resolveOptions, type SessionEndReason } from '@lifeline/server';
import { flush, setup } from './fakes.js';

describe('bad input never crashes', () => {
  it('answers each bad frame with the right error and keeps the connection', async () => {
    const { engine, connect, hello } = setup({ maxViolations: 100 });
    const errors: unknown[] = [];
    engine.on('error', (e) => errors.push(e));
    const early = connect();
    early.push({ t: 'msg', seq: 1, data: 1 });
    assert.deepEqual(early.ofType('error').map((e) => e.code), [ErrorCode.NotReady]);

    const conn = await hello();
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const inputs: Array<[string | Uint8Array, boolean, string]> = [
      [new Uint8Array([1, 2, 3]), true, ErrorCode.BadFrame],
      ['{nope', false, ErrorCode.BadJson],
      ['{"t":"launch"}', false, ErrorCode.UnknownType],
      ['[1,2]', false, ErrorCode.BadMessage],
      [`{"t":"msg","seq":1,"data":${deep}}`, false, ErrorCode.TooDeep],
      [`{"t":"msg","seq":1,"data":"${'x'.repeat(70_000)}"}`, false, ErrorCode.TooLarge],
      ['{"t":"msg","seq":1,"data":{"__proto__":{"polluted":1}}}', false, ErrorCode.ForbiddenKey],
      ['{"t":"msg","seq":1,"data":{"constructor":{"prototype":{"polluted":1}}}}', false, ErrorCode.ForbiddenKey],
      ['{"t":"msg","seq":-1,"data":1}', false, ErrorCode.BadMessage],
      [new TextEncoder().encode('{"t":"ack","seq":"x"}'), false, ErrorCode.BadMessage],
    ];
    for (const [data, binary, code] of inputs) {
      assert.doesNotThrow(() => conn.handle?.receive(data, binary));
      assert.equal(conn.ofType('error').at(-1)?.code, code, `for ${String(data).slice(0, 40)}`);
    }
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
    assert.equal(conn.closeCode, undefined);
    assert.deepEqual(errors, []);
    assert.equal(engine.stats().violations, inputs.length + 1);
  });

  it('closes a second hello with 4400', async () => {
    const { hello } = setup();
    const conn = await hello();
    conn.push({ t: 'hello', v: 1 });
    assert.equal(conn.closeCode, CloseCode.BadRequest);
  });

  it('frames after close and closes after close are ignored', async () => {
    const { hello } = setup();
    const conn = await hello();
    conn.drop();
    assert.doesNotThrow(() => {
      conn.push({ t: 'msg', seq: 1, data: 1 });
      conn.drop();
    });
    await flush();
    assert.equal(conn.ofType('ack').length, 0);
  });
});

describe('drain', () => {
  it('closes every connection with goaway + 1012 spread over the window, then ends sessions', async () => {
    const { clock, engine, hello, connect } = setup({ random: (() => { let i = 0; return () => [0.9, 0.1, 0.5][i++ % 3] ?? 0; })() });
    const conns = [await hello(), await hello(), await hello()];
    const ended: SessionEndReason[] = [];
    engine.on('sessionclose', (_s, r) => ended.push(r));
    const done = engine.close({ drain: 1000 });
    assert.equal(engine.state, 'draining');
    const closedAt: number[] = [];
    for (let t = 0; t < 1000; t += 50) {
      clock.advance(50);
      conns.forEach((c, i) => {
        if (c.closeCode !== undefined && closedAt[i] === undefined) closedAt[i] = t + 50;
      });
    }
    assert.deepEqual(closedAt, [900, 100, 500]);
    for (const c of conns) {
      assert.equal(c.closeCode, CloseCode.ServiceRestart);
      assert.deepEqual(c.ofType('goaway'), [{ t: 'goaway', code: 1012, reason: 'service restart', retryAfter: 500 }]);
    }
    await done;
    assert.equal(engine.state, 'closed');
    assert.deepEqual(ended, ['shutdown', 'shutdown', 'shutdown']);
    assert.equal(clock.pending, 0);
    const late = connect();
    assert.equal(late.closeCode, CloseCode.ServiceRestart);
  });

  it('drops peers that do not finish the close handshake within the grace after the window', async () => {
    const { clock, engine, hello } = setup({ heartbeat: { interval: 1000, timeout: 500 } });
    const stuck = await hello();
    stuck.echoClose = false;
    let done = false;
    const closing = engine.close({ drain: 0 }).then(() => (done = true));
    assert.equal(stuck.closeCode, CloseCode.ServiceRestart);
    clock.advance(499);
    await flush();
    assert.equal(done, false);
    clock.advance(1);
    await closing;
    assert.equal(stuck.terminated, true);
  });
});

describe('options', () => {
  it('requires an origin policy and validates values', () => {
    assert.throws(() => resolveOptions({} as unknown as Parameters<typeof resolveOptions>[0]), TypeError);
    assert.throws(() => resolveOptions({ origins: ['*'] }), TypeError);
    assert.throws(() => resolveOptions({ origins: ['https://a.example/'] }), /exactly scheme/);
    assert.throws(() => resolveOptions({ origins: 'any', resumeWindow: 10_000, dedupeWindow: 5_000 }), RangeError);
    assert.throws(() => resolveOptions({ origins: 'any', heartbeat: { interval: 0 } }), RangeError);
    assert.throws(() => resolveOptions({ origins: 'any', rateLimit: { perSecond: -1 } }), RangeError);
    const o = resolveOptions({ origins: ['https://a.example'], heartbeat: { interval: 30 } });
    assert.deepEqual(o.heartbeat, { interval: 30, timeout: 10_000 });
    assert.equal(o.allowMissingOrigin, true);
    assert.equal(o.maxConnections, Infinity);
    assert.deepEqual(
      [o.resumeWindow, o.dedupeWindow, o.maxUnacked, o.maxUnackedBytes, o.maxPayload, o.maxOutboundBytes, o.maxViolations, o.handshakeTimeout, o.drainWindow],
      [300_000, 600_000, 10_000, 8 * 1024 * 1024, 65_536, 1024 * 1024, 20, 10_000, 10_000],
    );
    assert.deepEqual(o.rateLimit, { perSecond: 50, burst: 1200 });
  });
});
