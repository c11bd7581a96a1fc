// Presence end to end in one process: members by identity, joins and leaves without flapping, last-seen, on the fake clock.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemoryBroker, InMemoryPresenceStore, InMemorySessionStore, type ServerOptions } from '@lifeline/server';
import { nullEnvironment } from '@lifeline/socket';
import { Loopback, seededRandom } from '@lifeline/testkit';
import { LifelineClient, type Subscription } from '../src/index.js';
import { engineOn, settle, world } from './world.js';

const SERVER: Partial<ServerOptions> = {
  authenticate: ({ auth }) => (typeof auth === 'string' ? auth : null),
  channels: { presence: (ch) => ch.startsWith('room') },
  presence: { grace: 5_000 },
};

function presenceOf(sub: Subscription) {
  const log: string[] = [];
  sub.on('join', (m) => log.push(`join ${m.id}`));
  sub.on('leave', (m) => log.push(`leave ${m.id}${m.lastSeen !== undefined ? ` @${m.lastSeen}` : ''}`));
  return log;
}

/** `alice` in the world's client; more identities on loopbacks of their own (so each can be cut alone). */
function room() {
  const w = world({ server: SERVER, client: { auth: () => 'alice' } });
  const join = (identity: string, seed: number) => {
    const loopback = new Loopback(w.engine);
    const client = new LifelineClient('ws://loopback.test/', { WebSocket: loopback.WebSocket, clock: w.clock, random: seededRandom(seed), environment: nullEnvironment, auth: () => identity });
    return { client, loopback };
  };
  return { ...w, join };
}

describe('presence: members by identity, anti-flap grace, last seen', () => {
  it('a snapshot on subscribe, then joins; every device of an identity counts, and it stays while any does', async () => {
    const { client, join, engine, advance } = room();
    const alice = client.subscribe('room-1');
    const log = presenceOf(alice);
    await settle();
    assert.deepEqual(alice.members, [{ id: 'alice', devices: 1 }]);
    const bob = join('bob', 2);
    const bobSub = bob.client.subscribe('room-1');
    await settle();
    assert.deepEqual(log, ['join alice', 'join bob']);
    assert.deepEqual(bobSub.members.map((m) => m.id).sort(), ['alice', 'bob']);
    // A second device of bob: no join, two devices.
    const bob2 = join('bob', 3);
    bob2.client.subscribe('room-1');
    await settle();
    assert.deepEqual(log, ['join alice', 'join bob']);
    assert.deepEqual(alice.members.find((m) => m.id === 'bob'), { id: 'bob', devices: 2 });
    assert.deepEqual((await engine.members('room-1')).find((m) => m.id === 'bob'), { id: 'bob', devices: 2 });
    // One device goes for good: bob is still here.
    bob2.client.close();
    await advance(100);
    assert.deepEqual(log, ['join alice', 'join bob']);
    assert.deepEqual(alice.members.find((m) => m.id === 'bob'), { id: 'bob', devices: 1 });
    // Channels without presence send none.
    const plain = client.subscribe('news');
    await settle();
    assert.deepEqual(plain.members, []);
    client.close();
    bob.client.close();
  });

  it('a device that reconnects within the grace period makes neither a leave nor a join', async () => {
    const { client, join, advance } = room();
    const log = presenceOf(client.subscribe('room-1'));
    const bob = join('bob', 2);
    bob.client.subscribe('room-1');
    await settle();
    log.length = 0;
    for (let i = 0; i < 3; i++) {
      bob.loopback.cut();
      await advance(1_500); // resumed and subscribed again well within 5 s
    }
    await advance(10_000);
    assert.deepEqual(log, [], 'no flapping');
    client.close();
    bob.client.close();
  });

  it('a device gone past the grace period leaves, with its last-seen time, queryable by server and client', async () => {
    const { client, join, engine, clock, advance } = room();
    const log = presenceOf(client.subscribe('room-1'));
    const bob = join('bob', 2);
    bob.client.subscribe('room-1');
    await settle();
    assert.equal((await engine.presence('bob')).online, true);
    bob.loopback.refusing = true;
    const goneAt = clock.now();
    bob.loopback.cut();
    await settle(); // the server notices the loss now: that is when bob was last seen
    await advance(4_000);
    assert.ok(!log.some((l) => l.startsWith('leave')), 'not within the grace period');
    await advance(4_000); // past 5 s and the next sweep
    assert.deepEqual(log.filter((l) => l.startsWith('leave')), [`leave bob @${goneAt}`]);
    assert.deepEqual(await engine.presence('bob'), { online: false, devices: 0, lastSeen: goneAt });
    const seen = client.presence(['bob', 'alice', 'nobody']);
    await settle();
    assert.deepEqual(await seen, {
      bob: { online: false, devices: 0, lastSeen: goneAt },
      alice: { online: true, devices: 1 },
      nobody: { online: false, devices: 0 },
    });
    client.close();
    bob.client.close();
  });

  it('an unsubscribe or a bye leaves at once; a visible hook hides identities from the query', async () => {
    const w = world({ server: { ...SERVER, presence: { visible: ({ identity }) => identity !== 'carol' } }, client: { auth: () => 'alice' } });
    const log = presenceOf(w.client.subscribe('room-1'));
    const loopback = new Loopback(w.engine);
    const carol = new LifelineClient('ws://loopback.test/', { WebSocket: loopback.WebSocket, clock: w.clock, random: seededRandom(4), environment: nullEnvironment, auth: () => 'carol' });
    const sub = carol.subscribe('room-1');
    await settle();
    sub.unsubscribe();
    await settle();
    assert.deepEqual(log.map((l) => l.split(' @')[0]), ['join alice', 'join carol', 'leave carol']);
    const seen = w.client.presence(['carol']);
    await settle();
    assert.deepEqual(await seen, {}, 'hidden');
    carol.close();
    w.client.close();
  });

  it('two nodes sharing the presence store and broker: a device that moves within the grace period neither leaves nor joins', async () => {
    const shared = { store: new InMemorySessionStore(), broker: new InMemoryBroker(), presence: new InMemoryPresenceStore({ max: 100, maxAge: 60_000 }) };
    const w = world({ server: SERVER, client: { auth: () => 'alice' }, deps: shared });
    const nodeB = engineOn(w.clock, SERVER, shared);
    const log = presenceOf(w.client.subscribe('room-1'));
    const loopback = new Loopback(w.engine);
    const bob = new LifelineClient('ws://loopback.test/', { WebSocket: loopback.WebSocket, clock: w.clock, random: seededRandom(6), environment: nullEnvironment, auth: () => 'bob' });
    bob.subscribe('room-1');
    await settle();
    log.length = 0;
    loopback.target = nodeB;
    loopback.cut();
    await w.advance(1_500);
    assert.equal(nodeB.sessions.size, 1, 'bob resumed on the other node');
    await w.advance(10_000); // past the grace period and several sweeps on both nodes
    assert.deepEqual(log, [], 'no leave, no join');
    assert.deepEqual((await nodeB.presence('bob')).online, true);
    bob.close();
    w.client.close();
  });
});
