// RPC end to end in one process: calls that survive cuts and fresh sessions and run once, against the real engine on the fake clock.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json } from '@lifeline/protocol';
import { CallError } from '@lifeline/server';
import { LifelineError } from '../src/index.js';
import { settle, track, world } from './world.js';

/** A handler whose calls wait until the test releases them; counts invocations. */
function gated() {
  const waiting: Array<() => void> = [];
  let runs = 0;
  const handler = async (params: Json): Promise<Json> => {
    runs++;
    await new Promise<void>((resolve) => waiting.push(resolve));
    return { echo: params };
  };
  return {
    handler,
    get runs() {
      return runs;
    },
    release: () => {
      for (const go of waiting.splice(0)) go();
    },
  };
}

async function rejection(p: Promise<unknown>): Promise<LifelineError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof LifelineError, `expected a LifelineError, got ${String(error)}`);
  return error;
}

describe('rpc: calls run once and answer across reconnects', () => {
  it('a call resolves with the handler result; the handler sees params and who calls', async () => {
    const seen: Array<{ params: Json; method: string; identity: string }> = [];
    const { client } = world({
      server: {
        rpc: {
          methods: {
            add: (params, ctx) => {
              seen.push({ params, method: ctx.method, identity: ctx.session.identity });
              const { a, b } = params as { a: number; b: number };
              return a + b;
            },
          },
        },
      },
    });
    await settle();
    const sum = client.call('add', { a: 2, b: 3 });
    await settle();
    assert.equal(await sum, 5);
    assert.deepEqual(seen, [{ params: { a: 2, b: 3 }, method: 'add', identity: 'anonymous' }]);
    client.close();
  });

  it('the link cut while the call runs: resumed, answered once, the handler ran once', async () => {
    const gate = gated();
    const { client, engine, loopback, advance, events } = world();
    engine.handle('slow', gate.handler);
    await settle();
    const call = track(client.call('slow', 'x').then(() => undefined));
    const result = client.call('slow', 'y');
    await settle();
    assert.equal(gate.runs, 2);
    loopback.cut();
    gate.release(); // the answers are kept in the session's stream
    await advance(1_500);
    assert.equal(events.first('session').at(-1)?.resumed, true);
    assert.deepEqual(await result, { echo: 'y' });
    assert.equal(call.state, 'resolved');
    assert.equal(gate.runs, 2, 'no second run');
    client.close();
  });

  it('a call cut before it reached the server is sent again and runs once', async () => {
    let runs = 0;
    const { client, loopback, advance } = world({ server: { rpc: { methods: { once: () => ++runs } } } });
    await settle();
    loopback.toServer = () => false; // the call is lost on the way
    const result = client.call('once');
    await settle();
    loopback.toServer = () => true;
    loopback.cut();
    await advance(1_500);
    assert.equal(await result, 1);
    assert.equal(runs, 1);
    client.close();
  });

  it('into a fresh session: a call acknowledged but never answered is asked again and gets its first result', async () => {
    const gate = gated();
    const { client, engine, loopback, advance, events } = world({ server: { resumeWindow: 1_000, dedupeWindow: 60_000 } });
    engine.handle('slow', gate.handler);
    await settle();
    const result = track(client.call('slow', 'z', { timeout: 120_000 }).then(() => undefined));
    const value = client.call('slow', 'w', { timeout: 120_000 });
    await settle();
    assert.equal(gate.runs, 2);
    assert.equal(client.outboxSize, 0, 'the calls were acknowledged');
    loopback.refusing = true;
    loopback.cut();
    await advance(8_000); // the session is gone
    gate.release(); // finished with nobody to answer: kept as the calls' results
    await settle();
    loopback.refusing = false;
    await advance(12_000);
    const last = events.first('session').at(-1);
    assert.equal(last?.resumed, false);
    assert.deepEqual(await value, { echo: 'w' });
    assert.equal(result.state, 'resolved');
    assert.equal(gate.runs, 2, 'asked again, not run again');
    client.close();
  });

  it('failures are coded: unknown method, CallError with its message and data, a throw without its message', async () => {
    const { client } = world({
      server: {
        rpc: {
          methods: {
            refuse: () => {
              throw new CallError('not today', { retryIn: 5 });
            },
            crash: () => {
              throw new Error('internal detail at /srv/db.ts:12');
            },
          },
        },
      },
    });
    await settle();
    const unknown = await rejection(client.call('nope'));
    assert.equal(unknown.code, 'unknown-method');
    const refused = await rejection(client.call('refuse'));
    assert.equal(refused.code, 'call-failed');
    assert.match(refused.message, /not today/);
    assert.deepEqual(refused.data, { retryIn: 5 });
    const crashed = await rejection(client.call('crash'));
    assert.equal(crashed.code, 'call-failed');
    assert.doesNotMatch(crashed.message, /internal detail|db\.ts/);
    assert.equal(client.ready, true);
    client.close();
  });

  it('a call with no answer in time rejects with timeout; calls past the per-session bound are refused', async () => {
    const gate = gated();
    const { client, engine, advance } = world({ server: { rpc: { maxCallsPerSession: 2 } } });
    engine.handle('slow', gate.handler);
    await settle();
    const first = rejection(client.call('slow', 1, { timeout: 5_000 }));
    const second = rejection(client.call('slow', 2, { timeout: 5_000 }));
    const over = await rejection(client.call('slow', 3));
    assert.equal(over.code, 'too-many-calls');
    await advance(5_000);
    assert.equal((await first).code, 'timeout');
    assert.equal((await second).code, 'timeout');
    gate.release();
    await settle();
    assert.equal(gate.runs, 2);
    client.close();
  });

  it('close() rejects calls waiting for an answer', async () => {
    const gate = gated();
    const { client, engine } = world();
    engine.handle('slow', gate.handler);
    await settle();
    const pending = client.call('slow', 1);
    await settle();
    client.close();
    assert.equal((await rejection(pending)).code, 'closed');
    gate.release();
  });
});
