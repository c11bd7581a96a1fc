// Vue channels and presence: one subscription per channel shared by components, released by the last; reactive names; members and last-seen; against the real engine.

import { restoreDom } from './dom.js';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Json } from '@lifeline/protocol';
import { mount } from '@vue/test-utils';
import { defineComponent, h, ref } from 'vue';
import { createLifeline, useChannel, useLastSeen, usePresence, type UseChannel, type UseLastSeen, type UsePresence } from '../src/index.js';
import { settle, world } from './world.js';

after(restoreDom);

/** A component on `channel` that records its composable and the publications it was handed. */
function onChannel(channel: () => string, into: { views: UseChannel[]; publications: Json[] }) {
  return defineComponent({
    setup() {
      const view = useChannel(channel, { onPublication: (data) => void into.publications.push(data) });
      into.views.push(view);
      return () => h('p', `${view.state.value}:${JSON.stringify(view.last.value?.data ?? null)}`);
    },
  });
}

describe('vue: useChannel', () => {
  it('two components share one subscription; it stays while either is mounted and goes with the last', async () => {
    const w = world();
    const client = w.client();
    const base = { client: client.listening, subs: client.subscriptionListeners };
    const a = { views: [] as UseChannel[], publications: [] as Json[] };
    const b = { views: [] as UseChannel[], publications: [] as Json[] };
    const showA = ref(true);
    const showB = ref(true);
    const A = onChannel(() => 'news', a);
    const B = onChannel(() => 'news', b);
    const App = defineComponent({ setup: () => () => h('div', [showA.value ? h(A) : null, showB.value ? h(B) : null]) });
    const wrapper = mount(App, { global: { plugins: [createLifeline({ client })] } });
    await settle();
    const [va, vb] = [a.views[0], b.views[0]];
    assert.ok(va && vb);
    assert.equal(va.subscription.value, vb.subscription.value, 'one subscription');
    assert.equal(va.state.value, 'subscribed');
    assert.deepEqual(w.frames('sub', 'unsub'), ['sub:news'], 'subscribed once');
    await w.engine.publish('news', { n: 1 });
    await settle();
    assert.deepEqual(va.last.value?.data, { n: 1 });
    assert.equal(va.last.value?.meta.offset, 1);
    assert.equal(va.position.value?.offset, 1);
    assert.deepEqual(a.publications, [{ n: 1 }]);
    assert.deepEqual(b.publications, [{ n: 1 }]);
    assert.equal(wrapper.text(), 'subscribed:{"n":1}subscribed:{"n":1}');
    // One goes: the other keeps the subscription and its publications.
    showA.value = false;
    await settle();
    assert.deepEqual(w.frames('sub', 'unsub'), ['sub:news']);
    assert.equal(w.engine.stats().channels, 1);
    await w.engine.publish('news', { n: 2 });
    await settle();
    assert.deepEqual(a.publications, [{ n: 1 }], 'unmounted: no more callbacks');
    assert.deepEqual(b.publications, [{ n: 1 }, { n: 2 }]);
    // The last goes: unsubscribed, the server forgets it, every listener is gone.
    showB.value = false;
    await settle();
    assert.deepEqual(w.frames('sub', 'unsub'), ['sub:news', 'unsub:news']);
    assert.equal(vb.subscription.value.state, 'unsubscribed');
    assert.equal(w.engine.stats().channels, 0);
    wrapper.unmount();
    await settle();
    assert.deepEqual({ client: client.listening, subs: client.subscriptionListeners }, base);
    client.close();
  });

  it('a component replaced by another on the same channel in the same tick costs no unsub and sub', async () => {
    const w = world();
    const client = w.client();
    const seen = { views: [] as UseChannel[], publications: [] as Json[] };
    const which = ref<'a' | 'b'>('a');
    const A = onChannel(() => 'room-1', seen);
    const B = onChannel(() => 'room-1', seen);
    const App = defineComponent({ setup: () => () => h('div', [which.value === 'a' ? h(A) : h(B)]) });
    const wrapper = mount(App, { global: { plugins: [createLifeline({ client })] } });
    await settle();
    which.value = 'b';
    await settle();
    assert.equal(seen.views.length, 2);
    assert.equal(seen.views[1]?.state.value, 'subscribed');
    assert.deepEqual(w.frames('sub', 'unsub'), ['sub:room-1'], 'no churn (and no presence leave and join for others)');
    wrapper.unmount();
    await settle();
    assert.deepEqual(w.frames('sub', 'unsub'), ['sub:room-1', 'unsub:room-1']);
    client.close();
  });

  it('a reactive channel name lets go of the old channel and takes the new one', async () => {
    const w = world();
    const client = w.client();
    const name = ref('news');
    const seen = { views: [] as UseChannel[], publications: [] as Json[] };
    const wrapper = mount(onChannel(() => name.value, seen), { global: { plugins: [createLifeline({ client })] } });
    await settle();
    name.value = 'sport';
    await settle();
    assert.deepEqual(w.frames('sub', 'unsub'), ['sub:news', 'sub:sport', 'unsub:news']);
    await w.engine.publish('news', 'old');
    await w.engine.publish('sport', 'goal');
    await settle();
    assert.deepEqual(seen.publications, ['goal']);
    assert.equal(seen.views[0]?.subscription.value.channel, 'sport');
    wrapper.unmount();
    client.close();
  });

  it('publish returns the client’s promise; a refusal ends the subscription with its error, and a new component gets a fresh one', async () => {
    const w = world({ channels: { authorize: (ctx) => ctx.channel !== 'secret' } });
    const client = w.client();
    const got: Json[] = [];
    const other = w.client();
    other.subscribe('chat').on('publication', (d) => void got.push(d));
    const seen = { views: [] as UseChannel[], publications: [] as Json[] };
    const show = ref(1);
    const Chat = onChannel(() => 'chat', seen);
    const Secret = onChannel(() => 'secret', seen);
    const App = defineComponent({ setup: () => () => h('div', [h(Chat), show.value === 1 ? h(Secret) : null, show.value === 2 ? h(Secret, { key: 2 }) : null]) });
    const wrapper = mount(App, { global: { plugins: [createLifeline({ client })] } });
    await settle();
    const [chat, secret] = seen.views;
    assert.ok(chat && secret);
    await chat.publish({ text: 'hi' });
    await settle();
    assert.deepEqual(got, [{ text: 'hi' }]);
    assert.equal(secret.state.value, 'unsubscribed');
    assert.equal(secret.error.value?.code, 'forbidden');
    show.value = 2;
    await settle();
    assert.notEqual(seen.views[2]?.subscription.value, secret.subscription.value, 'a fresh subscription for a new component');
    assert.equal(seen.views[2]?.error.value?.code, 'forbidden');
    wrapper.unmount();
    client.close();
    other.close();
  });
});

describe('vue: presence', () => {
  it('members from join and leave events, last-seen times of those who left, and useLastSeen through client.presence', async () => {
    const w = world();
    const alice = w.client({ auth: () => 'alice' });
    const bob = w.client({ auth: () => 'bob' });
    bob.subscribe('room-1');
    let presence: UsePresence | undefined;
    let lastSeen: UseLastSeen | undefined;
    const ids = ref<readonly string[]>(['bob']);
    const App = defineComponent({
      setup() {
        presence = usePresence(() => 'room-1');
        lastSeen = useLastSeen(ids);
        return () => h('ul', presence?.members.value.map((m) => h('li', m.id)));
      },
    });
    const wrapper = mount(App, { global: { plugins: [createLifeline({ client: alice })] } });
    await settle();
    if (!presence || !lastSeen) throw new Error('not set up');
    assert.deepEqual(presence.members.value.map((m) => m.id).sort(), ['alice', 'bob']);
    assert.equal(wrapper.findAll('li').length, 2);
    assert.deepEqual(lastSeen.presence.value, { bob: { online: true, devices: 1 } });
    assert.equal(lastSeen.pending.value, false);
    // Bob says bye: he leaves at once (no grace period for a bye), with when he was last seen.
    const members = presence.members.value;
    const goneAt = w.clock.now();
    bob.close();
    await settle(); // the server takes the bye now: that is when bob was last seen
    assert.deepEqual(presence.members.value.map((m) => m.id), ['alice']);
    assert.notEqual(presence.members.value, members);
    assert.equal(presence.lastSeen.value.bob, goneAt);
    ids.value = ['bob', 'alice'];
    await settle();
    assert.deepEqual(lastSeen.presence.value, { bob: { online: false, devices: 0, lastSeen: goneAt }, alice: { online: true, devices: 1 } });
    // The same ids in a new array: no new query.
    const asked = w.frames('msg').length;
    ids.value = ['bob', 'alice'];
    await settle();
    assert.equal(w.frames('msg').length, asked);
    assert.equal(await lastSeen.refresh().then((r) => Object.keys(r).length), 2);
    wrapper.unmount();
    alice.close();
  });
});
