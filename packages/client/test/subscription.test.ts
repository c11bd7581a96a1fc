// One subscription against a scripted server: duplicates dropped, a gap or an epoch change asks again from its position.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json } from '@lifeline/protocol';
import { Subscription, type SubscriptionHost } from '../src/subscription.js';

function scripted() {
  const frames: Json[] = [];
  const host: SubscriptionHost = {
    write: (frame) => {
      frames.push(JSON.parse(frame) as Json);
      return true;
    },
    ready: () => true,
    publish: () => Promise.resolve(),
    removed: () => {},
    report: (error) => {
      throw error;
    },
  };
  return { host, frames };
}

describe('Subscription', () => {
  it('delivers each offset once and in order; a gap asks again from the last offset delivered', () => {
    const { host, frames } = scripted();
    const sub = new Subscription('c', host, undefined);
    const got: number[] = [];
    sub.on('publication', (_d, meta) => got.push(meta.offset));
    sub.request('subscribe-called');
    sub.subscribed({ t: 'subscribed', ch: 'c', epoch: 'E', offset: 3 });
    for (const offset of [4, 5, 5, 4]) sub.publication({ t: 'pub', ch: 'c', epoch: 'E', offset, data: null });
    assert.deepEqual(got, [4, 5]);
    sub.publication({ t: 'pub', ch: 'c', epoch: 'E', offset: 7, data: null });
    assert.equal(sub.state, 'subscribing');
    assert.deepEqual(frames.at(-1), { t: 'sub', ch: 'c', since: { epoch: 'E', offset: 5 } });
    sub.publication({ t: 'pub', ch: 'c', epoch: 'E', offset: 8, data: null });
    assert.deepEqual(got, [4, 5], 'nothing delivered while asking again');
    sub.subscribed({ t: 'subscribed', ch: 'c', epoch: 'E', offset: 8, recovered: true });
    for (const offset of [6, 7, 8]) sub.publication({ t: 'pub', ch: 'c', epoch: 'E', offset, data: null });
    assert.deepEqual(got, [4, 5, 6, 7, 8]);
  });

  it('a publication of another epoch asks again; the answer says it could not recover', () => {
    const { host, frames } = scripted();
    const sub = new Subscription('c', host, { epoch: 'E', offset: 2 });
    const infos: unknown[] = [];
    sub.on('subscribed', (info) => infos.push(info));
    sub.request('subscribe-called');
    assert.deepEqual(frames[0], { t: 'sub', ch: 'c', since: { epoch: 'E', offset: 2 } });
    sub.subscribed({ t: 'subscribed', ch: 'c', epoch: 'E', offset: 2, recovered: true });
    sub.publication({ t: 'pub', ch: 'c', epoch: 'F', offset: 1, data: null });
    assert.equal(sub.state, 'subscribing');
    sub.subscribed({ t: 'subscribed', ch: 'c', epoch: 'F', offset: 1, recovered: false, reason: 'epoch-changed' });
    assert.deepEqual(infos.at(-1), { epoch: 'F', offset: 1, recovered: false, reason: 'epoch-changed' });
    assert.deepEqual(sub.position, { epoch: 'F', offset: 1 });
  });
});
