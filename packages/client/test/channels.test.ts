// Channels end to end in one process: the real client's subscriptions against the real engine, on the fake clock.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json } from '@lifeline/protocol';
import { nullEnvironment } from '@lifeline/socket';
import { seededRandom } from '@lifeline/testkit';
import { LifelineClient, LifelineError, type Subscription, type SubscribedInfo } from '../src/index.js';
import { engineOn, settle, track, world } from './world.js';

/** Everything a subscription reports, in order. */
function watch(sub: Subscription) {
  const data: Json[] = [];
  const offsets: number[] = [];
  const subscribed: SubscribedInfo[] = [];
  const errors: LifelineError[] = [];
  const states: string[] = [];
  sub.on('publication', (d, meta) => {
    data.push(d);
    offsets.push(meta.offset);
  });
  sub.on('subscribed', (info) => subscribed.push(info));
  sub.on('error', (e) => errors.push(e));
  sub.on('state', (c) => states.push(`${c.to}:${c.reason}`));
  return { data, offsets, subscribed, errors, states };
}

describe('channels: subscribe, publish, recover', () => {
  it('subscribes, receives server publications once in offset order, and reports its position', async () => {
    const { client, engine } = world();
    const sub = client.subscribe('news');
    assert.equal(sub.state, 'subscribing');
    const seen = watch(sub);
    await settle();
    assert.equal(sub.state, 'subscribed');
    assert.equal(seen.subscribed.length, 1);
    assert.equal(seen.subscribed[0]?.recovered, undefined, 'nothing to recover on a first subscribe');
    assert.equal(client.subscribe('news'), sub, 'one subscription per channel');
    const at = await engine.publish('news', { n: 1 });
    await engine.publish('news', { n: 2 });
    await settle();
    assert.deepEqual(seen.data, [{ n: 1 }, { n: 2 }]);
    assert.deepEqual(seen.offsets, [1, 2]);
    assert.deepEqual(sub.position, { epoch: at.epoch, offset: 2 });
    assert.equal(engine.stats().channels, 1);
    sub.unsubscribe();
    await settle();
    assert.equal(sub.state, 'unsubscribed');
    assert.equal(engine.stats().channels, 0, 'the server forgot the subscriber');
    await engine.publish('news', { n: 3 });
    await settle();
    assert.equal(seen.data.length, 2);
    client.close();
  });

  it('client publications go through the session: acknowledged, once, to every subscriber', async () => {
    const { client, engine, loopback, clock } = world();
    const other = new LifelineClient('ws://loopback.test/', { WebSocket: loopback.WebSocket, clock, random: seededRandom(9), environment: nullEnvironment });
    const mine = client.subscribe('room');
    const theirs = watch(other.subscribe('room'));
    await settle();
    const sent = track(mine.publish({ text: 'hi' }));
    await settle();
    assert.equal(sent.state, 'resolved');
    assert.deepEqual(theirs.data, [{ text: 'hi' }]);
    // Not subscribed, and no publish hook: refused, and the session goes on.
    const stray = client.publish('elsewhere', 'x').catch((e: unknown) => e);
    await settle();
    const error = await stray;
    assert.ok(error instanceof LifelineError);
    assert.equal(error.code, 'not-subscribed');
    assert.equal(client.ready, true);
    assert.equal(engine.stats().refused, 1);
    client.close();
    other.close();
  });

  it('a publish hook may refuse or transform, and a publication over the size limit is refused', async () => {
    const { client } = world({
      server: {
        channels: {
          maxPublicationBytes: 64,
          publish: ({ channel, data, session }) => (channel === 'ro' ? { refuse: 'read only' } : { data: { from: session.identity, data } }),
        },
      },
    });
    const seen = watch(client.subscribe('rw'));
    await settle();
    await client.publish('rw', 'hello');
    await settle();
    assert.deepEqual(seen.data, [{ from: 'anonymous', data: 'hello' }]);
    const refused = await client.publish('ro', 'x').catch((e: unknown) => e);
    assert.equal((refused as LifelineError).code, 'forbidden');
    const big = await client.publish('rw', 'y'.repeat(100)).catch((e: unknown) => e);
    assert.equal((big as LifelineError).code, 'too-large');
    client.close();
  });

  it('after a cut, the resumed subscription gets everything published meanwhile, once, in order', async () => {
    const { client, engine, loopback, advance, events } = world();
    const sub = client.subscribe('feed');
    const seen = watch(sub);
    await settle();
    await engine.publish('feed', 1);
    await settle();
    loopback.cut();
    await settle();
    assert.equal(sub.state, 'subscribing');
    for (let n = 2; n <= 6; n++) await engine.publish('feed', n);
    await advance(1_500);
    assert.equal(events.first('session').at(-1)?.resumed, true);
    assert.equal(sub.state, 'subscribed');
    assert.deepEqual(seen.data, [1, 2, 3, 4, 5, 6]);
    assert.equal(seen.subscribed.at(-1)?.recovered, true);
    assert.deepEqual(seen.states, ['subscribed:subscribed', 'subscribing:disconnected', 'subscribed:subscribed']);
    client.close();
  });

  it('recovers into a fresh session too: channel history does not depend on the session', async () => {
    const { client, engine, loopback, advance, events } = world({ server: { resumeWindow: 1_000, dedupeWindow: 60_000 } });
    const seen = watch(client.subscribe('feed'));
    await settle();
    await engine.publish('feed', 'a');
    await settle();
    loopback.refusing = true;
    loopback.cut();
    await engine.publish('feed', 'b');
    await advance(8_000); // past the resume window: the session is gone
    loopback.refusing = false;
    await advance(12_000);
    const last = events.first('session').at(-1);
    assert.equal(last?.resumed, false);
    assert.equal(last?.reason, 'unknown-session');
    assert.equal(seen.subscribed.at(-1)?.recovered, true);
    assert.deepEqual(seen.data, ['a', 'b']);
    client.close();
  });

  it('a server that lost its history says so: recovered false with epoch-changed, then publications flow again', async () => {
    const { client, engine, loopback, clock, advance } = world();
    const sub = client.subscribe('feed');
    const seen = watch(sub);
    await settle();
    await engine.publish('feed', 'old');
    await settle();
    const restarted = engineOn(clock);
    loopback.target = restarted;
    loopback.cut();
    await advance(1_500);
    assert.equal(seen.subscribed.at(-1)?.recovered, false);
    assert.equal(seen.subscribed.at(-1)?.reason, 'epoch-changed');
    assert.equal(sub.state, 'subscribed');
    await restarted.publish('feed', 'new');
    await settle();
    assert.deepEqual(seen.data, ['old', 'new']);
    void engine;
    client.close();
  });

  it('a history too short for the gap says so (history-trimmed): all or nothing, never a part', async () => {
    const { client, engine, loopback, advance } = world({ server: { channels: { historyFor: (ch) => (ch === 'short' ? { maxPublications: 2 } : undefined) } } });
    const seen = watch(client.subscribe('short'));
    await settle();
    await engine.publish('short', 0);
    await settle();
    loopback.cut();
    for (let n = 1; n <= 5; n++) await engine.publish('short', n);
    await advance(1_500);
    assert.equal(seen.subscribed.at(-1)?.recovered, false);
    assert.equal(seen.subscribed.at(-1)?.reason, 'history-trimmed');
    assert.deepEqual(seen.data, [0], 'no part of the gap delivered');
    await engine.publish('short', 6);
    await settle();
    assert.deepEqual(seen.data, [0, 6]);
    assert.deepEqual(seen.offsets, [1, 7]);
    client.close();
  });

  it('a subscribe from a saved position recovers what was published since', async () => {
    const { client, engine } = world();
    const first = await engine.publish('log', 'x');
    await engine.publish('log', 'y');
    await engine.publish('log', 'z');
    const seen = watch(client.subscribe('log', { since: first }));
    await settle();
    assert.equal(seen.subscribed[0]?.recovered, true);
    assert.deepEqual(seen.data, ['y', 'z']);
    client.close();
  });

  it('refused subscribes get their codes and never end the session', async () => {
    const { client, engine } = world({
      server: { channels: { authorize: async ({ channel }) => (channel.startsWith('secret') ? { refuse: 'no' } : true), maxChannelsPerConnection: 2 } },
    });
    const secret = watch(client.subscribe('secret-1'));
    const long = watch(client.subscribe('x'.repeat(200)));
    await settle(); // a subscribe waiting for its authorize counts against the limit until refused
    const a = client.subscribe('a');
    const b = client.subscribe('b');
    await settle();
    assert.deepEqual(secret.errors.map((e) => e.code), ['forbidden']);
    assert.deepEqual(long.errors.map((e) => e.code), ['bad-channel']);
    assert.equal(a.state, 'subscribed');
    assert.equal(b.state, 'subscribed');
    const c = watch(client.subscribe('c'));
    await settle();
    assert.deepEqual(c.errors.map((e) => e.code), ['too-many-channels']);
    assert.equal(client.ready, true);
    assert.throws(() => client.subscribe('bad name'), TypeError);
    // The server ends one subscription on its own.
    const [session] = engine.sessions;
    assert.ok(session);
    const seenA = watch(a);
    assert.equal(engine.unsubscribe(session, 'a'), true);
    await settle();
    assert.equal(a.state, 'unsubscribed');
    assert.deepEqual(seenA.errors.map((e) => e.code), ['unsubscribed']);
    client.close();
  });

  it('subscribing too fast is deferred and retried, not refused', async () => {
    const { client, advance } = world({ server: { channels: { subscribeRate: { perSecond: 1, burst: 1 } } } });
    const one = client.subscribe('one');
    const two = watch(client.subscribe('two'));
    await settle();
    assert.equal(one.state, 'subscribed');
    assert.deepEqual(two.errors.map((e) => e.code), ['subscribe-rate']);
    assert.equal(client.subscribe('two').state, 'subscribing');
    await advance(35_000);
    assert.equal(client.subscribe('two').state, 'subscribed');
    client.close();
  });
});
