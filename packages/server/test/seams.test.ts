// The seams from the outside: a SessionStore, a DedupeStore and a Broker written against the public exports alone, slow and jittery.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloseCode, type Json } from '@lifeline/protocol';
import type {
  Broker,
  BrokerListener,
  BrokerPayload,
  ClaimResult,
  DedupeClaim,
  DedupeStore,
  Session,
  SessionChange,
  SessionEndReason,
  SessionRecord,
  SessionStore,
  UnackedFrame,
} from '@lifeline/server';
import { seededRandom } from '@lifeline/testkit';
import { flush, setup, type FakeConnection } from './fakes.js';

/** Waits a random number (0-3) of event-loop turns: calls answer late and out of order. */
function jitter(random: () => number): () => Promise<void> {
  return async () => {
    for (let hops = Math.floor(random() * 4); hops > 0; hops--) await new Promise((r) => setImmediate(r));
  };
}

/** A store that keeps JSON text only: whatever it is given must be plain data. */
class JsonStore implements SessionStore {
  readonly texts = new Map<string, string>();
  writes = 0;
  failing = false;

  constructor(private readonly delay: () => Promise<void>) {}

  async load(id: string, now: number): Promise<SessionRecord | undefined> {
    await this.delay();
    const text = this.texts.get(id);
    if (text === undefined) return undefined;
    const record = JSON.parse(text) as SessionRecord;
    return record.expiresAt !== undefined && record.expiresAt <= now ? undefined : record;
  }

  async write(node: string, changes: readonly SessionChange[]): Promise<void> {
    const text = JSON.stringify(changes);
    assert.deepEqual(JSON.parse(text), changes, 'a change is plain, serialisable data');
    this.writes++;
    await this.delay();
    if (this.failing) throw new Error('store down');
    for (const change of JSON.parse(text) as SessionChange[]) this.apply(node, change);
  }

  private apply(node: string, change: SessionChange): void {
    if (change.op === 'create') return void this.texts.set(change.record.id, JSON.stringify(change.record));
    const text = this.texts.get(change.id);
    if (text === undefined) return;
    const r = JSON.parse(text) as { -readonly [K in keyof SessionRecord]: SessionRecord[K] } & { unacked: UnackedFrame[] };
    if (change.op !== 'attach' && r.owner !== node) return; // fencing
    switch (change.op) {
      case 'attach':
        r.owner = change.owner;
        delete r.detachedAt;
        delete r.expiresAt;
        break;
      case 'append':
        r.unacked.push(...change.frames);
        r.lastSent = change.frames.at(-1)?.seq ?? r.lastSent;
        break;
      case 'ack':
        r.acked = Math.max(r.acked, change.seq);
        r.unacked = r.unacked.filter((f) => f.seq > change.seq);
        break;
      case 'receive':
        r.lastReceived = Math.max(r.lastReceived, change.seq);
        break;
      case 'token':
        r.token = change.token;
        if (change.previousToken === undefined) delete r.previousToken;
        else r.previousToken = change.previousToken;
        break;
      case 'detach':
        r.detachedAt = change.at;
        r.expiresAt = change.expiresAt;
        break;
      case 'delete':
        return void this.texts.delete(change.id);
    }
    this.texts.set(change.id, JSON.stringify(r));
  }
}

class JitteryDedupe implements DedupeStore {
  private readonly keys = new Map<string, { at: number; fingerprint: string }>();

  constructor(
    private readonly delay: () => Promise<void>,
    private readonly window: number,
  ) {}

  async claim(identity: string, claims: readonly DedupeClaim[], now: number): Promise<readonly ClaimResult[]> {
    await this.delay();
    return claims.map(({ key, fingerprint }) => {
      const k = JSON.stringify([identity, key]);
      const applied = this.keys.get(k);
      if (applied !== undefined && now - applied.at < this.window) return applied.fingerprint === fingerprint ? 'duplicate' : 'conflict';
      this.keys.set(k, { at: now, fingerprint });
      return 'claimed';
    });
  }
}

/** Per-topic order kept (a chain per topic), but every delivery late by a random number of turns. */
class JitteryBroker implements Broker {
  private readonly topics = new Map<string, Set<BrokerListener>>();
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly delay: () => Promise<void>) {}

  async publish(topic: string, payload: BrokerPayload): Promise<void> {
    const listeners = [...(this.topics.get(topic) ?? [])];
    const chain = (this.chains.get(topic) ?? Promise.resolve()).then(async () => {
      await this.delay();
      for (const l of listeners) l(payload, topic);
    });
    this.chains.set(topic, chain);
  }

  async subscribe(topic: string, listener: BrokerListener): Promise<void> {
    await this.delay();
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(listener);
  }

  async unsubscribe(topic: string, listener: BrokerListener): Promise<void> {
    this.topics.get(topic)?.delete(listener);
  }
}

function ref(conn: FakeConnection, lastSeq: number): { id: string; token: string; lastSeq: number } {
  const w = conn.welcome();
  return { id: w.session.id, token: w.session.token, lastSeq };
}

/** Wait, a bounded number of turns, until `done()` holds. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !done(); i++) await flush();
  assert.ok(done(), `never: ${what}`);
}

function jitteryWorld(seed: number) {
  const delay = jitter(seededRandom(seed));
  const store = new JsonStore(delay);
  const dedupe = new JitteryDedupe(delay, 600_000);
  const broker = new JitteryBroker(delay);
  return { delay, store, dedupe, broker };
}

describe('seams implemented outside the package, slow and jittery', () => {
  for (const seed of [1, 2, 3]) {
    it(`never reorders, repeats or loses a delivery in either direction (seed ${seed})`, async () => {
      const deps = jitteryWorld(seed);
      const { engine, hello } = setup({ heartbeat: { interval: 1_000_000, timeout: 1_000_000 } }, deps);
      const got: number[] = [];
      let session: Session | undefined;
      engine.on('message', (_s, data) => got.push(data as number));
      engine.on('session', (s) => (session = s));
      const conn = await hello();
      await until(() => conn.ofType('welcome').length === 1, 'welcome');
      assert.ok(session);
      const random = seededRandom(seed * 7);
      const sends: Array<Promise<void>> = [];
      let up = 0;
      let down = 0;
      while (up < 200 || down < 200) {
        for (let n = Math.floor(random() * 6); n > 0 && up < 200; n--) conn.push({ t: 'msg', seq: ++up, data: up, key: `k${up}` });
        for (let n = Math.floor(random() * 6); n > 0 && down < 200; n--) sends.push(session.send(++down));
        if (random() < 0.5) await flush();
        const last = conn.ofType('msg').at(-1);
        if (last && random() < 0.3) conn.push({ t: 'ack', seq: last.seq });
      }
      await until(() => got.length === 200 && conn.ofType('msg').length === 200, 'every message both ways');
      conn.push({ t: 'ack', seq: 200 });
      await Promise.all(sends);
      assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => i + 1));
      assert.deepEqual(conn.ofType('msg').map((m) => [m.seq, m.data]), Array.from({ length: 200 }, (_, i) => [i + 1, i + 1]));
      const acks = conn.ofType('ack').map((a) => a.seq);
      assert.deepEqual(acks, [...acks].sort((a, b) => a - b), 'acks never go back');
      assert.equal(acks.at(-1), 200);
      assert.ok(deps.store.writes < 400, `batched: ${deps.store.writes} store writes for 400 messages`);
    });
  }

  it('a resume while writes are in flight continues exactly where the store stands', async () => {
    const deps = jitteryWorld(4);
    const { engine, hello } = setup({}, deps);
    const got: number[] = [];
    engine.on('message', (_s, data) => got.push(data as number));
    const first = await hello();
    await until(() => first.ofType('welcome').length === 1, 'welcome');
    for (let seq = 1; seq <= 30; seq++) first.push({ t: 'msg', seq, data: seq, key: `k${seq}` });
    first.drop(); // claims and writes still in flight
    const second = await hello(ref(first, 0));
    await until(() => second.ofType('welcome').length === 1, 'resumed welcome');
    const w = second.welcome();
    assert.equal(w.resumed, true);
    assert.equal(w.lastSeq, 30, 'the welcome waited for every accepted message to be received');
    // A client that did not see the acks resends from welcome.lastSeq: nothing to resend, nothing twice.
    second.push({ t: 'msg', seq: 31, data: 31, key: 'k31' });
    await until(() => got.length === 31, 'the next message');
    assert.deepEqual(got, Array.from({ length: 31 }, (_, i) => i + 1));
  });

  it('two engines on one store and broker: broadcasts reach both, and a session resumes on the other engine', async () => {
    const deps = jitteryWorld(5);
    const a = setup({}, deps);
    const b = setup({ generateId: (() => { let n = 0; return () => `b-${++n}-0123456789abcdef`; })() }, deps);
    const endedOnA: SessionEndReason[] = [];
    a.engine.on('sessionclose', (_s, r) => endedOnA.push(r));
    const onA = await a.hello();
    const onB = await b.hello();
    await until(() => onA.ofType('welcome').length === 1 && onB.ofType('welcome').length === 1, 'welcomes');
    await flush(); // the broker subscriptions settled
    await a.engine.broadcast({ all: 1 });
    await until(() => onA.ofType('msg').length === 1 && onB.ofType('msg').length === 1, 'the broadcast on both engines');
    const [sessionA] = [...a.engine.sessions];
    assert.ok(sessionA);
    void sessionA.send('unacked on A');
    await until(() => onA.ofType('msg').length === 2, 'a message on A');
    // The client moves to B (A's link is half-open): B loads the record and tells A to let go.
    const moved = await b.hello(ref(onA, 1));
    await until(() => moved.ofType('welcome').length === 1, 'welcome on B');
    assert.equal(moved.welcome().resumed, true);
    assert.deepEqual(moved.ofType('msg').map((m) => [m.seq, m.data]), [[2, 'unacked on A']]);
    await until(() => endedOnA.length === 1, 'A lets go');
    assert.deepEqual(endedOnA, ['moved']);
    assert.deepEqual(onA.closes, [{ code: CloseCode.GoingAway, reason: 'replaced' }]);
    assert.equal(b.engine.stats().takeovers, 1);
    const onBNow = b.engine.sessions.get(sessionA.id);
    assert.ok(onBNow);
    void onBNow.send('continued on B');
    await until(() => moved.ofType('msg').length === 2, 'the next message from B');
    assert.deepEqual(moved.ofType('msg').at(-1), { t: 'msg', seq: 3, data: 'continued on B' });
  });

  it('a failing store drops its sessions here with 1011 and store-failed; nothing claims to be durable', async () => {
    const deps = jitteryWorld(6);
    const { engine, hello } = setup({}, deps);
    const ended: SessionEndReason[] = [];
    const errors: string[] = [];
    engine.on('sessionclose', (_s, r) => ended.push(r));
    engine.on('error', (_e, context) => errors.push(context));
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const conn = await hello();
    await until(() => conn.ofType('welcome').length === 1, 'welcome');
    assert.ok(session);
    deps.store.failing = true;
    const sent = session.send('never durable' as Json);
    await assert.rejects(sent, (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'store-failed');
    assert.equal(conn.closeCode, CloseCode.InternalError);
    assert.deepEqual(conn.ofType('msg'), [], 'nothing was written that the store does not hold');
    assert.deepEqual(ended, ['store-failed']);
    assert.ok(errors.includes('session store failed'));
    assert.equal(engine.stats().storeFailures, 1);
  });
});
