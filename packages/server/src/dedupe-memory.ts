// The in-memory DedupeStore: keys per identity in time order, bounds per quota that refuse or recycle the quota's own settled keys, never another's.

import type { ClaimResult, DedupeClaim, DedupeStore } from './dedupe.js';

interface Applied {
  readonly identity: string;
  readonly key: string;
  readonly at: number;
  readonly fingerprint: string;
  readonly quota: Quota;
  settled: boolean;
  forgotten: boolean;
}

/** What one quota (an identity, or the remote address of anonymous clients) holds. */
interface Quota {
  readonly name: string;
  /** Live keys, settled or not. */
  held: number;
  /** Its settled keys, oldest first: the ones it may recycle. Entries forgotten since are skipped. */
  settled: Applied[];
  head: number;
}

/**
 * Keys per identity in Maps in insertion (= time) order: expiry walks each identity's keys from the
 * oldest and stops at the first live one. A quota at `maxKeysPerQuota` recycles its own oldest
 * settled key for a new one, or, with none settled, gets `full`. At `maxKeys` in all the same holds,
 * except that a quota holding less than the average may still add (up to twice `maxKeys`), so a few
 * quotas filling the store cannot shut everyone else out. No key of one quota is ever forgotten for
 * another's, and no unsettled key before its window ends.
 */
export class InMemoryDedupeStore implements DedupeStore {
  private readonly identities = new Map<string, Map<string, Applied>>();
  private readonly quotas = new Map<string, Quota>();
  private total = 0;
  /** Claims refused because a bound was reached. */
  refused = 0;

  /**
   * @param window milliseconds a key is remembered
   * @param maxKeys keys held in all before new ones must come from recycled settled keys
   * @param maxKeysPerQuota keys one quota may hold
   */
  constructor(
    private readonly window: number,
    private readonly maxKeys: number,
    private readonly maxKeysPerQuota: number,
  ) {}

  get size(): number {
    return this.total;
  }

  claim(identity: string, claims: readonly DedupeClaim[], now: number, quota: string = identity): Promise<readonly ClaimResult[]> {
    let keys = this.identities.get(identity);
    if (!keys) this.identities.set(identity, (keys = new Map()));
    const own = keys;
    const results = claims.map((c) => this.claimOne(identity, own, c, now, quota));
    if (own.size === 0) this.identities.delete(identity);
    return Promise.resolve(results);
  }

  settle(identity: string, keys: readonly string[]): void {
    const own = this.identities.get(identity);
    if (!own) return;
    for (const key of keys) {
      const applied = own.get(key);
      if (applied === undefined || applied.settled) continue;
      applied.settled = true;
      applied.quota.settled.push(applied);
    }
  }

  sweep(now: number): void {
    for (const [identity, keys] of this.identities) {
      this.expire(keys, now);
      if (keys.size === 0) this.identities.delete(identity);
    }
    for (const q of this.quotas.values()) this.trim(q);
  }

  private claimOne(identity: string, keys: Map<string, Applied>, c: DedupeClaim, now: number, quotaName: string): ClaimResult {
    const applied = keys.get(c.key);
    if (applied !== undefined && now - applied.at < this.window) return applied.fingerprint === c.fingerprint ? 'duplicate' : 'conflict';
    if (applied !== undefined) this.forget(keys, applied); // expired: this claim starts a new window
    const quota = this.quota(quotaName);
    if (!this.makeRoom(quota, keys, now)) {
      this.refused++;
      if (quota.held === 0) this.quotas.delete(quotaName);
      return 'full';
    }
    keys.set(c.key, { identity, key: c.key, at: now, fingerprint: c.fingerprint, quota, settled: false, forgotten: false });
    if (quota.held === 0) this.quotas.set(quotaName, quota); // recycling its last key dropped it
    quota.held++;
    this.total++;
    return 'claimed';
  }

  /** Whether `quota` may add one key now, recycling its own oldest settled key when it must. */
  private makeRoom(quota: Quota, keys: Map<string, Applied>, now: number): boolean {
    if (quota.held >= this.maxKeysPerQuota) this.expire(keys, now);
    if (quota.held >= this.maxKeysPerQuota) return this.recycle(quota);
    if (this.total < this.maxKeys) return true;
    if (this.recycle(quota)) return true;
    return this.total < 2 * this.maxKeys && quota.held < this.total / this.quotas.size;
  }

  /** Forget `quota`'s oldest settled key; false when it has none. */
  private recycle(quota: Quota): boolean {
    this.trim(quota);
    const oldest = quota.settled[quota.head];
    if (oldest === undefined) return false;
    quota.head++;
    const keys = this.identities.get(oldest.identity);
    if (keys) this.forget(keys, oldest);
    return true;
  }

  private quota(name: string): Quota {
    let q = this.quotas.get(name);
    if (!q) this.quotas.set(name, (q = { name, held: 0, settled: [], head: 0 }));
    return q;
  }

  /** Drop forgotten entries from the front of `quota`'s settled list, and compact it now and then. */
  private trim(quota: Quota): void {
    const list = quota.settled;
    while (quota.head < list.length && list[quota.head]?.forgotten === true) quota.head++;
    if (quota.head > 64 && quota.head * 2 > list.length) {
      quota.settled = list.slice(quota.head);
      quota.head = 0;
    }
  }

  private expire(keys: Map<string, Applied>, now: number): void {
    for (const applied of keys.values()) {
      if (now - applied.at < this.window) break;
      this.forget(keys, applied);
    }
  }

  private forget(keys: Map<string, Applied>, applied: Applied): void {
    keys.delete(applied.key);
    applied.forgotten = true;
    this.total--;
    const quota = applied.quota;
    if (--quota.held === 0) this.quotas.delete(quota.name);
  }
}
