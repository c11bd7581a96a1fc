// React channels and presence under StrictMode: one subscription per channel shared by components (no unsub-sub churn from the double mount), released by the last; stable snapshots; members and last-seen.

import { restoreDom } from './dom.js';
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { createElement } from 'react';
import { act, cleanup, render, renderHook } from '@testing-library/react';
import { useChannel, usePresence } from '../src/index.js';
import { ChannelProbe, newLog, PresenceProbe, providerWrapper, strictApp, Toggle } from './components.js';
import { settle, world } from './world.js';

after(restoreDom);
afterEach(cleanup);

const flush = (): Promise<void> => act(() => settle());

describe('react: useChannel under StrictMode', () => {
  it('two components share one subscription, subscribed once; it stays while either is mounted and goes with the last', async () => {
    const w = world();
    const client = w.client();
    await settle(); // a live session: a churned unsub and sub would go out on the wire
    assert.equal(client.ready, true);
    const base = { client: client.listening, subs: client.subscriptionListeners };
    const log = newLog();
    const a: { toggle?: (on: boolean) => void } = {};
    const b: { toggle?: (on: boolean) => void } = {};
    const view = render(
      strictApp({ client }, [
        createElement(Toggle, { control: a, key: 'a' }, createElement(ChannelProbe, { log, channel: 'news', id: 'a' })),
        createElement(Toggle, { control: b, key: 'b' }, createElement(ChannelProbe, { log, channel: 'news', id: 'b' })),
      ]),
    );
    await flush();
    assert.deepEqual(w.frames('sub', 'unsub'), ['sub:news'], 'the double mount cost no unsub and sub');
    assert.equal(w.engine.stats().channels, 1);
    assert.equal(view.getByTestId('a').textContent, 'subscribed:null');
    await w.engine.publish('news', { n: 1 });
    await flush();
    assert.equal(view.getByTestId('a').textContent, 'subscribed:{"n":1}');
    assert.equal(view.getByTestId('b').textContent, 'subscribed:{"n":1}');
    assert.deepEqual(log.publications, { a: [{ n: 1 }], b: [{ n: 1 }] }, 'each publication once per component, double mount or not');
    const last = log.channels.a?.at(-1);
    assert.equal(last?.last?.meta.offset, 1);
    assert.equal(last?.position?.offset, 1);
    // One goes: the other keeps the subscription.
    act(() => a.toggle?.(false));
    await flush();
    assert.deepEqual(w.frames('sub', 'unsub'), ['sub:news']);
    await w.engine.publish('news', { n: 2 });
    await flush();
    assert.deepEqual(log.publications, { a: [{ n: 1 }], b: [{ n: 1 }, { n: 2 }] });
    // The last goes: unsubscribed, forgotten by the server, no listener left.
    act(() => b.toggle?.(false));
    await flush();
    assert.deepEqual(w.frames('sub', 'unsub'), ['sub:news', 'unsub:news']);
    assert.equal(w.engine.stats().channels, 0);
    assert.equal(client.subscriptionListeners, base.subs, 'no subscription listener left (the provider still holds its client listeners)');
    view.unmount();
    await flush();
    assert.deepEqual({ client: client.listening, subs: client.subscriptionListeners }, base, 'and none after the app unmounts');
    client.close();
  });

  it('the view is the same object between changes (useSyncExternalStore), publish is stable and returns the client’s promise', async () => {
    const w = world();
    const client = w.client();
    const other = w.client();
    const got: unknown[] = [];
    other.subscribe('room-9').on('publication', (d) => void got.push(d));
    const hook = renderHook(() => useChannel('room-9'), { wrapper: providerWrapper({ client }), reactStrictMode: true });
    await flush();
    const first = hook.result.current;
    assert.equal(first.state, 'subscribed');
    hook.rerender();
    assert.equal(hook.result.current, first, 'nothing changed: the same view');
    let published: Promise<void> | undefined;
    act(() => void (published = first.publish({ text: 'hi' })));
    assert.ok(published instanceof Promise);
    await flush();
    await published;
    assert.deepEqual(got, [{ text: 'hi' }]);
    await flush();
    assert.equal(hook.result.current.publish, first.publish, 'a stable publish');
    hook.unmount();
    client.close();
    other.close();
  });

  it('a new channel name lets go of the old one and takes the new one', async () => {
    const w = world();
    const client = w.client();
    const hook = renderHook(({ name }: { name: string }) => useChannel(name), { initialProps: { name: 'news' }, wrapper: providerWrapper({ client }), reactStrictMode: true });
    await flush();
    hook.rerender({ name: 'sport' });
    await flush();
    assert.deepEqual(w.frames('sub', 'unsub'), ['sub:news', 'sub:sport', 'unsub:news']);
    await w.engine.publish('sport', 'goal');
    await flush();
    assert.equal(hook.result.current.last?.data, 'goal');
    hook.unmount();
    await flush();
    assert.deepEqual(w.frames('sub', 'unsub'), ['sub:news', 'sub:sport', 'unsub:news', 'unsub:sport']);
    client.close();
  });

  it('a refused subscription shows its error and state', async () => {
    const w = world({ channels: { authorize: (ctx) => ctx.channel !== 'secret' } });
    const client = w.client();
    const hook = renderHook(() => useChannel('secret'), { wrapper: providerWrapper({ client }), reactStrictMode: true });
    await flush();
    assert.equal(hook.result.current.state, 'unsubscribed');
    assert.equal(hook.result.current.error?.code, 'forbidden');
    hook.unmount();
    client.close();
  });
});

describe('react: presence under StrictMode', () => {
  it('members from join and leave, last-seen of who left, and one presence query per change of ids', async () => {
    const w = world();
    const alice = w.client({ auth: () => 'alice' });
    const bob = w.client({ auth: () => 'bob' });
    bob.subscribe('room-1');
    await settle();
    const log = newLog();
    const calls = (): number => w.frames('msg').length;
    const view = render(strictApp({ client: alice }, createElement(PresenceProbe, { log, channel: 'room-1', ids: ['bob'] })));
    await flush();
    assert.deepEqual(w.frames('sub', 'unsub'), ['sub:room-1', 'sub:room-1'], 'bob and alice subscribed once each: no presence leave and join for the double mount');
    assert.equal(calls(), 1, 'one query though StrictMode mounted twice');
    assert.deepEqual(view.getAllByRole('listitem').map((li) => li.textContent).sort(), ['alice', 'bob']);
    const seen = log.lastSeen.at(-1);
    assert.deepEqual(seen?.presence, { bob: { online: true, devices: 1 } });
    assert.equal(seen?.pending, false);
    const members = log.presence.at(-1);
    // Bob says bye: he leaves at once, with when he was last seen.
    const goneAt = w.clock.now();
    bob.close();
    await flush();
    const now = log.presence.at(-1);
    assert.notEqual(now, members);
    assert.deepEqual(now?.members.map((m) => m.id), ['alice']);
    assert.equal(now?.lastSeen.bob, goneAt);
    // The same ids in a new array: no new query; other ids: one.
    view.rerender(strictApp({ client: alice }, createElement(PresenceProbe, { log, channel: 'room-1', ids: ['bob'] })));
    await flush();
    assert.equal(calls(), 1);
    view.rerender(strictApp({ client: alice }, createElement(PresenceProbe, { log, channel: 'room-1', ids: ['bob', 'alice'] })));
    await flush();
    assert.equal(calls(), 2);
    assert.deepEqual(log.lastSeen.at(-1)?.presence, { bob: { online: false, devices: 0, lastSeen: goneAt }, alice: { online: true, devices: 1 } });
    view.unmount();
    alice.close();
  });

  it('usePresence re-renders only when members change, not on publications', async () => {
    const w = world();
    const client = w.client({ auth: () => 'alice' });
    let renders = 0;
    const hook = renderHook(
      () => {
        renders++;
        return usePresence('room-2');
      },
      { wrapper: providerWrapper({ client }) },
    );
    await flush();
    const members = hook.result.current;
    const before = renders;
    await w.engine.publish('room-2', 'noise');
    await flush();
    assert.equal(renders, before);
    assert.equal(hook.result.current, members);
    hook.unmount();
    client.close();
  });
});
