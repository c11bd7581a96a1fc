// Pure units under the limits: the in-memory dedupe store's bounds and settlements, token buckets, address keys.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemoryDedupeStore, type ClaimResult } from '@lifeline/server';
import { addressKey } from '../src/address.js';
import { TokenBucket } from '../src/rate-limit.js';

const W = 600_000;

/** Claim `keys` (fingerprint = the key) for `identity`, counted against `quota`. */
async function claim(store: InMemoryDedupeStore, identity: string, keys: string[], now = 0, quota = identity): Promise<readonly ClaimResult[]> {
  return store.claim(identity, keys.map((key) => ({ key, fingerprint: key })), now, quota);
}

describe('InMemoryDedupeStore', () => {
  it('a key is claimed once per window: the same payload is a duplicate, another a conflict', async () => {
    const store = new InMemoryDedupeStore(W, 100, 10);
    assert.deepEqual(await claim(store, 'a', ['k', 'k']), ['claimed', 'duplicate']);
    assert.deepEqual(await store.claim('a', [{ key: 'k', fingerprint: 'other' }], 1), ['conflict']);
    assert.deepEqual(await claim(store, 'b', ['k']), ['claimed'], 'identities have their own keys');
    assert.deepEqual(await claim(store, 'a', ['k'], W), ['claimed'], 'a new window after expiry');
  });

  it('a quota at its bound with nothing settled is refused; settled keys make room, oldest first', async () => {
    const store = new InMemoryDedupeStore(W, 100, 3);
    assert.deepEqual(await claim(store, 'a', ['1', '2', '3', '4']), ['claimed', 'claimed', 'claimed', 'full']);
    store.settle('a', ['2', '1']);
    assert.deepEqual(await claim(store, 'a', ['4', '5', '6']), ['claimed', 'claimed', 'full']);
    assert.deepEqual(await claim(store, 'a', ['3']), ['duplicate'], 'the unsettled key stays');
    assert.deepEqual(await claim(store, 'a', ['2']), ['full'], 'key 2 (settled first) made room first, so it is new now');
    store.settle('a', ['3']);
    assert.deepEqual(await claim(store, 'a', ['1']), ['claimed'], 'key 1 went next');
    assert.equal(store.size, 3);
  });

  it('no quota ever forgets another quota\'s keys, settled or not', async () => {
    const store = new InMemoryDedupeStore(W, 4, 4);
    await claim(store, 'victim', ['v1', 'v2']);
    store.settle('victim', ['v1', 'v2']);
    const flood = Array.from({ length: 50 }, (_, i) => `f${i}`);
    const results = await claim(store, 'flooder', flood);
    assert.ok(results.includes('full'));
    assert.deepEqual(await claim(store, 'victim', ['v1', 'v2']), ['duplicate', 'duplicate']);
  });

  it('at the bound in all, a quota below the average still gets room (up to twice the bound); the heavy ones recycle or wait', async () => {
    const store = new InMemoryDedupeStore(W, 4, 10);
    assert.deepEqual(await claim(store, 'x', ['1', '2', '3', '4', '5']), ['claimed', 'claimed', 'claimed', 'claimed', 'full']);
    assert.deepEqual(await claim(store, 'y', ['1', '2', '3', '4', '5']), ['claimed', 'claimed', 'claimed', 'claimed', 'full'], 'below the average until twice the bound');
    store.settle('x', ['1']);
    assert.deepEqual(await claim(store, 'x', ['5']), ['claimed'], 'its own settled key made room');
    assert.deepEqual(await claim(store, 'y', ['1', '2']), ['duplicate', 'duplicate'], "x's claim took nothing of y's");
    assert.equal(store.size, 8);
  });

  it('anonymous clients share an identity but each address is its own quota, so a roaming client is still recognised', async () => {
    const store = new InMemoryDedupeStore(W, 100, 2);
    await claim(store, '', ['r1'], 0, 'addr:10.0.0.1');
    assert.deepEqual(await claim(store, '', ['r1'], 1, 'addr:10.0.0.2'), ['duplicate'], 'the resend came from another network');
    assert.deepEqual(await claim(store, '', ['n1', 'n2', 'n3'], 1, 'addr:10.0.0.2'), ['claimed', 'claimed', 'full']);
    assert.deepEqual(await claim(store, '', ['m1'], 1, 'addr:10.0.0.1'), ['claimed'], 'the other address has its own bound');
  });

  it('a sweep forgets expired keys and frees their quota', async () => {
    const store = new InMemoryDedupeStore(W, 100, 2);
    await claim(store, 'a', ['1', '2']);
    store.settle('a', ['1']);
    store.sweep(W);
    assert.equal(store.size, 0);
    assert.deepEqual(await claim(store, 'a', ['3', '4'], W), ['claimed', 'claimed']);
  });
});

describe('TokenBucket', () => {
  it('refills at its rate up to its burst, and says how long until a token', () => {
    const b = new TokenBucket(10, 2, 0);
    assert.equal(b.take(0), true);
    assert.equal(b.take(0), true);
    assert.equal(b.take(0), false);
    assert.equal(b.take(100), true, '100 ms at 10/s is one token');
    assert.equal(b.take(10_000) && b.take(10_000) && !b.take(10_000), true, 'never more than the burst');
  });
});

describe('addressKey', () => {
  const cases: Array<[string, string]> = [
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['not an address', 'not an address'],
    ['1:2:3', '1:2:3'],
    ['1::2::3', '1::2::3'],
  ];
  for (const [input, key] of cases) it(`${input} -> ${key}`, () => assert.equal(addressKey(input), key));
  it('two addresses in one /64 share a key, neighbouring /64s do not', () => {
    assert.equal(addressKey('2001:db8:1:2::a'), addressKey('2001:db8:1:2:ffff::b'));
    assert.notEqual(addressKey('2001:db8:1:2::a'), addressKey('2001:db8:1:3::a'));
  });
});
