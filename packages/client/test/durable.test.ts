// The outbox that survives a reload: stored before queued, restored by the next run, applied once, forgotten once acknowledged.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json } from '@lifeline/protocol';
import { nullEnvironment } from '@lifeline/socket';
import { Loopback, seededRandom } from '@lifeline/testkit';
import { LifelineClient, LifelineError, keyValueOutbox, type KeyValueStore, type OutboxStorage } from '../src/index.js';
import { settle, track, world } from './world.js';

/** An in-memory key-value store, as AsyncStorage or mini-program storage would be, that can be made to fail. */
function memoryStore() {
  const values = new Map<string, string>();
  let failing = false;
  const store: KeyValueStore = {
    getItem: (k) => values.get(k) ?? null,
    setItem: (k, v) => {
      if (failing) throw new Error('quota exceeded');
      values.set(k, v);
    },
  };
  return {
    store,
    values,
    fail: (on: boolean) => void (failing = on),
    stored: (name = 'lifeline-outbox'): Json[] => (JSON.parse(values.get(name) ?? '[]') as Array<{ data: Json }>).map((m) => m.data),
  };
}

describe('durable outbox', () => {
  it('what a run sent while the server was down goes, once, from the next run', async () => {
    const kv = memoryStore();
    const { engine, client, clock, received, advance } = world();
    client.close();
    // The page that was running: it sends while the server is unreachable, then dies without closing (a reload, an app kill).
    const down = new Loopback(engine);
    down.refusing = true;
    const dying = new LifelineClient('ws://loopback.test/', { WebSocket: down.WebSocket, clock, random: seededRandom(2), environment: nullEnvironment, outboxStorage: keyValueOutbox(kv.store, 'tab') });
    for (const n of [1, 2, 3]) void dying.send({ n }).catch(() => undefined);
    await settle();
    assert.deepEqual(kv.stored('tab'), [{ n: 1 }, { n: 2 }, { n: 3 }], 'stored before they were queued');
    const before = received.length;
    // The next run, with the same storage, and a server that is up.
    const next = new LifelineClient('ws://loopback.test/', { WebSocket: new Loopback(engine).WebSocket, clock, random: seededRandom(3), environment: nullEnvironment, outboxStorage: keyValueOutbox(kv.store, 'tab') });
    const restored: number[] = [];
    next.on('restored', ({ count }) => restored.push(count));
    await advance(200);
    assert.deepEqual(restored, [3]);
    assert.deepEqual(received.slice(before).map((m) => m.data), [{ n: 1 }, { n: 2 }, { n: 3 }]);
    assert.deepEqual(kv.stored('tab'), [], 'forgotten once acknowledged');
    next.close();
    dying.close();
  });

  it('a message the server applied before the reload, whose ack was lost, is resent and applied once', async () => {
    const kv = memoryStore();
    const { engine, clock, received, advance, client: other } = world();
    other.close();
    const lossy = new Loopback(engine);
    lossy.toClient = (f) => !f.includes('"t":"ack"') && !f.includes('"t":"ping"');
    const dying = new LifelineClient('ws://loopback.test/', { WebSocket: lossy.WebSocket, clock, random: seededRandom(2), environment: nullEnvironment, outboxStorage: keyValueOutbox(kv.store) });
    await settle();
    const sent = track(dying.send({ pay: 10 }));
    await settle();
    assert.equal(sent.state, 'pending');
    assert.deepEqual(received.map((m) => m.data), [{ pay: 10 }], 'applied, but the client never heard');
    lossy.refusing = true;
    lossy.cut();
    const next = new LifelineClient('ws://loopback.test/', { WebSocket: new Loopback(engine).WebSocket, clock, random: seededRandom(3), environment: nullEnvironment, outboxStorage: keyValueOutbox(kv.store) });
    await advance(200);
    assert.deepEqual(received.map((m) => m.data), [{ pay: 10 }], 'its key made the server apply it once');
    assert.equal(engine.stats().deduplicated, 1);
    assert.deepEqual(kv.stored(), []);
    next.close();
    dying.close();
  });

  it('storage that refuses a message fails its send with storage-failed; nothing is queued or sent', async () => {
    const kv = memoryStore();
    const { engine, clock, received, client: other } = world();
    other.close();
    const client = new LifelineClient('ws://loopback.test/', { WebSocket: new Loopback(engine).WebSocket, clock, random: seededRandom(4), environment: nullEnvironment, outboxStorage: keyValueOutbox(kv.store) });
    await settle();
    kv.fail(true);
    const error = await client.send('x').catch((e: unknown) => e);
    assert.ok(error instanceof LifelineError);
    assert.equal(error.code, 'storage-failed');
    assert.equal(client.outboxSize, 0);
    kv.fail(false);
    await client.send('y');
    assert.deepEqual(received.map((m) => m.data), ['y'], 'the next send goes');
    client.close();
  });

  it('sends keep their order through storage; options are checked', async () => {
    const slow: OutboxStorage = {
      load: () => Promise.resolve([]),
      put: () => new Promise((resolve) => setImmediate(resolve)),
      delete: () => Promise.resolve(),
    };
    const { engine, clock, received, client: other } = world();
    other.close();
    const client = new LifelineClient('ws://loopback.test/', { WebSocket: new Loopback(engine).WebSocket, clock, random: seededRandom(4), environment: nullEnvironment, outboxStorage: slow });
    await Promise.all([1, 2, 3, 4].map((n) => client.send(n)));
    assert.deepEqual(received.map((m) => m.data), [1, 2, 3, 4]);
    client.close();
    assert.throws(() => new LifelineClient('ws://x.test/', { outboxStorage: {} as OutboxStorage }), TypeError);
    assert.throws(() => new LifelineClient('ws://x.test/', { maxRetries: 3 } as never), /unknown option 'maxRetries'/);
  });
});
