// The in-memory channel history and RPC result store: bounds, recovery answers, settlement.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemoryChannelHistory, InMemoryPresenceStore, InMemoryResultStore, type HistoryLimits } from '@lifeline/server';

const LIMITS: HistoryLimits = { maxPublications: 3, maxBytes: 1000, maxAge: 10_000 };

describe('InMemoryChannelHistory', () => {
  it('numbers publications per channel and recovers everything after a position, in order', async () => {
    const h = new InMemoryChannelHistory(() => 'E');
    const first = await h.append('a', '1', LIMITS, 0);
    await h.append('a', '2', LIMITS, 1);
    await h.append('b', '"other"', LIMITS, 1);
    assert.deepEqual(first, { epoch: 'E', offset: 1 });
    const read = await h.read('a', first, LIMITS, 2);
    assert.deepEqual(read, { epoch: 'E', offset: 2, recovered: true, publications: [{ offset: 2, data: '2' }] });
    assert.deepEqual(await h.read('a', undefined, LIMITS, 2), { epoch: 'E', offset: 2, recovered: undefined });
    assert.deepEqual(await h.read('a', { epoch: 'E', offset: 2 }, LIMITS, 2), { epoch: 'E', offset: 2, recovered: true, publications: [] });
  });

  it('says why it cannot recover: another epoch, a trimmed history, a position never reached', async () => {
    let n = 0;
    const h = new InMemoryChannelHistory(() => `E${++n}`);
    for (let i = 1; i <= 5; i++) await h.append('a', String(i), LIMITS, i);
    assert.deepEqual(await h.read('a', { epoch: 'E1', offset: 1 }, LIMITS, 6), { epoch: 'E1', offset: 5, recovered: false, reason: 'history-trimmed' });
    const kept = await h.read('a', { epoch: 'E1', offset: 2 }, LIMITS, 6);
    assert.equal(kept.recovered, true);
    assert.deepEqual(kept.recovered && kept.publications.map((p) => p.offset), [3, 4, 5]);
    assert.deepEqual(await h.read('a', { epoch: 'old', offset: 2 }, LIMITS, 6), { epoch: 'E1', offset: 5, recovered: false, reason: 'epoch-changed' });
    assert.deepEqual(await h.read('a', { epoch: 'E1', offset: 9 }, LIMITS, 6), { epoch: 'E1', offset: 5, recovered: false, reason: 'bad-position' });
  });

  it('trims by bytes and by age, and forgets idle empty channels in the sweep (a new epoch after)', async () => {
    let n = 0;
    const h = new InMemoryChannelHistory(() => `E${++n}`);
    const small = { maxPublications: 100, maxBytes: 10, maxAge: 1_000 };
    await h.append('a', '"xxxx"', small, 0); // 6 bytes
    await h.append('a', '"yyyy"', small, 0); // 12 in all: the first goes
    assert.equal((await h.read('a', { epoch: 'E1', offset: 0 }, small, 0)).recovered, false);
    assert.equal((await h.read('a', { epoch: 'E1', offset: 1 }, small, 0)).recovered, true);
    assert.equal((await h.read('a', { epoch: 'E1', offset: 1 }, small, 2_000)).recovered, false, 'past maxAge');
    h.sweep(2_000, 5_000, () => false);
    assert.equal(h.size, 1, 'not idle long enough');
    h.sweep(8_000, 5_000, () => true);
    assert.equal(h.size, 1, 'in use');
    h.sweep(8_000, 5_000, () => false);
    assert.equal(h.size, 0);
    assert.equal((await h.read('a', undefined, small, 8_000)).epoch, 'E2');
  });
});

describe('InMemoryResultStore', () => {
  it('keeps outcomes for the window, per identity', async () => {
    const r = new InMemoryResultStore(1_000, 10);
    assert.equal(await r.reserve('alice', 'c1', 0, 'alice'), true);
    assert.equal(await r.get('alice', 'c1', 1), 'running');
    await r.put('alice', 'c1', { ok: true, result: '42' }, 1);
    assert.deepEqual(await r.get('alice', 'c1', 2), { ok: true, result: '42' });
    assert.equal(await r.get('bob', 'c1', 2), undefined, 'another identity has its own ids');
    assert.equal(await r.get('alice', 'c1', 2_000), undefined, 'past the window');
    r.sweep(2_000);
    assert.equal(r.size, 0);
  });

  it('a full quota recycles its oldest settled call, never an unsettled one or another quota', async () => {
    const r = new InMemoryResultStore(60_000, 2);
    assert.equal(await r.reserve('a', '1', 0, 'qa'), true);
    assert.equal(await r.reserve('a', '2', 1, 'qa'), true);
    assert.equal(await r.reserve('b', '1', 1, 'qb'), true);
    assert.equal(await r.reserve('a', '3', 2, 'qa'), false, 'nothing settled');
    r.settle('a', '1');
    assert.equal(await r.reserve('a', '3', 3, 'qa'), true);
    assert.equal(await r.get('a', '1', 3), undefined);
    assert.equal(await r.get('b', '1', 3), 'running');
  });
});

describe('InMemoryPresenceStore', () => {
  it('counts devices per identity per channel and overall, and keeps bounded last-seen times', async () => {
    const p = new InMemoryPresenceStore({ max: 2, maxAge: 1_000 });
    assert.equal(await p.join('room', 'alice', 's1', 0), 1);
    assert.equal(await p.join('room', 'alice', 's2', 0), 2);
    assert.equal(await p.leave('room', 'alice', 's1', 1), 1);
    assert.deepEqual(await p.members('room', 10), [{ id: 'alice', devices: 1 }]);
    assert.equal(await p.leave('room', 'alice', 's2', 2), 0);
    assert.deepEqual(await p.members('room', 10), []);
    for (const [id, at] of [['a', 10], ['b', 20], ['c', 30]] as const) {
      await p.connect(id, `${id}1`, 0);
      await p.disconnect(id, `${id}1`, at);
    }
    assert.deepEqual(await p.status('a', 40), { online: false, devices: 0 }, 'the longest offline is forgotten first');
    assert.deepEqual(await p.status('c', 40), { online: false, devices: 0, lastSeen: 30 });
    assert.deepEqual(await p.status('b', 2_000), { online: false, devices: 0 }, 'past its age');
    await p.connect('c', 'c2', 50);
    assert.deepEqual(await p.status('c', 60), { online: true, devices: 1 });
  });
});
