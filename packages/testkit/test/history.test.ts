// The offline history checker against hand-made histories: valid ones, and every anomaly it must catch.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';

import { checkHistory, formatHistoryCheck, mergeHistories, type HistoryCheck, type HistoryEvent } from '../src/history.js';

/** A tiny history builder: every event gets the next timestamp, so array order is time order. */
function history() {
  const events: HistoryEvent[] = [];
  let t = 0;
  const b = {
    events,
    csend(...ids: string[]) {
      for (const id of ids) events.push({ t: ++t, dir: 'c2s', kind: 'send', id });
      return b;
    },
    cack(...ids: string[]) {
      for (const id of ids) events.push({ t: ++t, dir: 'c2s', kind: 'ack', id });
      return b;
    },
    cfail(id: string, reason = 'closed') {
      events.push({ t: ++t, dir: 'c2s', kind: 'fail', id, reason });
      return b;
    },
    cdeliver(session: string, ...ids: string[]) {
      for (const id of ids) events.push({ t: ++t, dir: 'c2s', kind: 'deliver', id, session });
      return b;
    },
    ssend(session: string, ...ids: string[]) {
      for (const id of ids) events.push({ t: ++t, dir: 's2c', kind: 'send', id, session });
      return b;
    },
    sdeliver(session: string, ...ids: string[]) {
      for (const id of ids) events.push({ t: ++t, dir: 's2c', kind: 'deliver', id, session });
      return b;
    },
    welcome(session: string, resumed: boolean, reason?: string) {
      events.push({ t: ++t, kind: 'session', side: 'client', session, resumed, ...(reason ? { reason } : {}) });
      return b;
    },
    created(session: string, reason = 'new') {
      events.push({ t: ++t, kind: 'session', side: 'server', session, resumed: false, reason });
      return b;
    },
    nemesis(action: string) {
      events.push({ t: ++t, kind: 'nemesis', action, fault: 'cut' });
      return b;
    },
    check(): HistoryCheck {
      return checkHistory(events);
    },
  };
  return b;
}

function counts(c: HistoryCheck) {
  return { lost: c.lost, duplicated: c.duplicated, reordered: c.reordered, unexpected: c.unexpected, exempt: c.exempt };
}

const ZERO = { lost: 0, duplicated: 0, reordered: 0, unexpected: 0, exempt: 0 };

describe('checkHistory: valid histories', () => {
  it('accepts an empty history', () => {
    const c = checkHistory([]);
    assert.deepEqual(counts(c), ZERO);
    assert.equal(c.valid, true);
    assert.deepEqual(c.details, []);
  });

  it('accepts both directions flowing through a cut and a resumed:true reconnect', () => {
    const c = history()
      .welcome('A', false, 'new')
      .csend('c-1', 'c-2')
      .cdeliver('A', 'c-1', 'c-2')
      .cack('c-1', 'c-2')
      .ssend('A', 's-1', 's-2')
      .sdeliver('A', 's-1')
      .nemesis('start')
      .csend('c-3', 'c-4')
      .ssend('A', 's-3')
      .nemesis('stop')
      .welcome('A', true)
      .cdeliver('A', 'c-3', 'c-4')
      .cack('c-3', 'c-4')
      .sdeliver('A', 's-2', 's-3')
      .check();
    assert.deepEqual(counts(c), ZERO);
    assert.equal(c.valid, true);
    assert.equal(c.stats.c2s.sent, 4);
    assert.equal(c.stats.c2s.acked, 4);
    assert.equal(c.stats.s2c.sent, 3);
    assert.equal(c.stats.s2c.deliveries, 3);
    assert.deepEqual(c.stats.sessions, { welcomes: 2, discontinuities: 0, ids: 1 });
    assert.equal(c.stats.nemesis, 2);
  });

  it('allows acks that come before the delivery is recorded (cross-process clocks)', () => {
    const c = history().welcome('A', false, 'new').csend('c-1').cack('c-1').cdeliver('A', 'c-1').check();
    assert.equal(c.valid, true);
  });

  it('allows sends with an unknown outcome, and failed sends either way', () => {
    const c = history()
      .welcome('A', false, 'new')
      .csend('c-1', 'c-2', 'c-3', 'c-4')
      .cdeliver('A', 'c-1')
      .cack('c-1')
      .cfail('c-2', 'closed')
      .cfail('c-3', 'closed')
      .cdeliver('A', 'c-3')
      .check();
    assert.deepEqual(counts(c), ZERO);
    assert.equal(c.stats.c2s.indeterminate, 1, 'c-4: never settled, never delivered');
    assert.equal(c.stats.c2s.recovered, 1, 'c-3: rejected yet delivered');
    assert.equal(c.stats.c2s.failed, 2);
  });

  it('allows c2s messages not acked before the end to be delivered or not', () => {
    const c = history().welcome('A', false, 'new').csend('c-1', 'c-2').cdeliver('A', 'c-1').check();
    assert.equal(c.valid, true);
    assert.equal(c.stats.c2s.indeterminate, 1);
  });

  it('allows undelivered s2c sends in a non-final session only after a resumed:false welcome', () => {
    const c = history()
      .welcome('A', false, 'new')
      .ssend('A', 's-1', 's-2', 's-3')
      .sdeliver('A', 's-1')
      .welcome('B', false, 'unknown-session')
      .ssend('B', 's-4')
      .sdeliver('B', 's-4')
      .check();
    assert.deepEqual(counts(c), { ...ZERO, exempt: 2 });
    assert.equal(c.valid, true);
    assert.equal(c.stats.sessions.discontinuities, 1);
    assert.match(c.details.join('\n'), /exempt: s2c 2 undelivered sends \(s-2\.\.s-3\) of session A/);
  });

  it('exempts a c2s re-delivery that straddles a resumed:false welcome', () => {
    const c = history()
      .welcome('A', false, 'new')
      .csend('c-1', 'c-2', 'c-3')
      .cdeliver('A', 'c-1', 'c-2')
      .cack('c-1')
      .nemesis('kill')
      .welcome('B', false, 'unknown-session')
      .cdeliver('B', 'c-2', 'c-3')
      .cack('c-2', 'c-3')
      .check();
    assert.deepEqual(counts(c), { ...ZERO, exempt: 1 });
    assert.equal(c.valid, true);
    assert.match(c.details.join('\n'), /exempt: c2s c-2 delivered again in session B/);
  });

  it('does not call out-of-order first deliveries across a resumed:false boundary a reorder', () => {
    const c = history()
      .welcome('A', false, 'new')
      .csend('c-1', 'c-2', 'c-3')
      .cdeliver('A', 'c-1', 'c-3')
      .welcome('B', false, 'unknown-session')
      .cdeliver('B', 'c-2')
      .check();
    assert.equal(c.reordered, 0);
  });

  it('exempts sends of a session the client never heard of, when a resumed:false welcome followed its creation', () => {
    const c = history()
      .welcome('A', false, 'new')
      .ssend('A', 's-1')
      .sdeliver('A', 's-1')
      .created('X', 'unknown-session')
      .ssend('X', 's-2')
      .created('B', 'unknown-session')
      .welcome('B', false, 'unknown-session')
      .ssend('B', 's-3')
      .sdeliver('B', 's-3')
      .check();
    assert.deepEqual(counts(c), { ...ZERO, exempt: 1 });
    assert.match(c.details.join('\n'), /session X: the client never saw it/);
  });
});

describe('checkHistory: client-to-server anomalies', () => {
  it('counts an acked message that was never delivered as lost', () => {
    const c = history().welcome('A', false, 'new').csend('c-1', 'c-2').cdeliver('A', 'c-1').cack('c-1', 'c-2').check();
    assert.deepEqual(counts(c), { ...ZERO, lost: 1 });
    assert.equal(c.valid, false);
    assert.match(c.details.join('\n'), /lost: c2s c-2 acked but never delivered/);
  });

  it('counts a second delivery in the same session as a duplicate', () => {
    const c = history().welcome('A', false, 'new').csend('c-1').cdeliver('A', 'c-1', 'c-1').cack('c-1').check();
    assert.deepEqual(counts(c), { ...ZERO, duplicated: 1 });
    assert.equal(c.valid, false);
  });

  it('counts a re-delivery across a resumed:true reconnect as a duplicate (no exemption)', () => {
    const c = history()
      .welcome('A', false, 'new')
      .csend('c-1')
      .cdeliver('A', 'c-1')
      .welcome('A', true)
      .cdeliver('A', 'c-1')
      .check();
    assert.deepEqual(counts(c), { ...ZERO, duplicated: 1 });
  });

  it('counts a re-delivery in another server session without a client resumed:false welcome as a duplicate', () => {
    // Session X exists only on the server (no welcome reached the client): no explicit discontinuity.
    const c = history()
      .welcome('A', false, 'new')
      .csend('c-1')
      .cdeliver('A', 'c-1')
      .cdeliver('X', 'c-1')
      .check();
    assert.deepEqual(counts(c), { ...ZERO, duplicated: 1 });
  });

  it('counts a third delivery as a duplicate when only the second straddled a resumed:false welcome', () => {
    const c = history()
      .welcome('A', false, 'new')
      .csend('c-1')
      .cdeliver('A', 'c-1')
      .welcome('B', false, 'unknown-session')
      .cdeliver('B', 'c-1')
      .welcome('B', true)
      .cdeliver('B', 'c-1')
      .check();
    assert.deepEqual(counts(c), { ...ZERO, exempt: 1, duplicated: 1 });
  });

  it('counts a duplicate when both deliveries come after the same resumed:false welcome', () => {
    const c = history()
      .welcome('A', false, 'new')
      .csend('c-1')
      .welcome('B', false, 'unknown-session')
      .cdeliver('B', 'c-1', 'c-1')
      .check();
    assert.deepEqual(counts(c), { ...ZERO, duplicated: 1 });
  });

  it('counts deliveries out of send order within a session as reordered', () => {
    const c = history().welcome('A', false, 'new').csend('c-1', 'c-2', 'c-3').cdeliver('A', 'c-1', 'c-3', 'c-2').check();
    assert.deepEqual(counts(c), { ...ZERO, reordered: 1 });
    assert.match(c.details.join('\n'), /reordered: c2s c-2 first delivered \(session A\) after c-3/);
  });

  it('counts first deliveries out of order across sessions of one epoch as reordered', () => {
    const c = history()
      .welcome('A', false, 'new')
      .csend('c-1', 'c-2', 'c-3')
      .cdeliver('A', 'c-1', 'c-3')
      .cdeliver('X', 'c-2')
      .check();
    assert.deepEqual(counts(c), { ...ZERO, reordered: 1 });
  });

  it('counts an exempt re-delivery that breaks its new session order as reordered', () => {
    const c = history()
      .welcome('A', false, 'new')
      .csend('c-1', 'c-2', 'c-3')
      .cdeliver('A', 'c-1')
      .welcome('B', false, 'unknown-session')
      .cdeliver('B', 'c-2', 'c-1')
      .check();
    assert.deepEqual(counts(c), { ...ZERO, exempt: 1, reordered: 1 });
    assert.equal(c.valid, false);
  });

  it('counts a delivery or an ack of an id never sent as unexpected', () => {
    const c = history().welcome('A', false, 'new').csend('c-1').cdeliver('A', 'c-1', 'c-9').cack('c-8').check();
    assert.deepEqual(counts(c), { ...ZERO, unexpected: 2 });
    assert.equal(c.valid, false);
  });
});

describe('checkHistory: server-to-client anomalies', () => {
  it('counts a skipped message (silent gap) as lost even in a session left by resumed:false', () => {
    const c = history()
      .welcome('A', false, 'new')
      .ssend('A', 's-1', 's-2', 's-3')
      .sdeliver('A', 's-1', 's-3')
      .welcome('B', false, 'unknown-session')
      .check();
    assert.deepEqual(counts(c), { ...ZERO, lost: 1 });
    assert.match(c.details.join('\n'), /lost: s2c s-2 skipped in session A \(silent gap\)/);
  });

  it('counts a message delivered twice in a session as a duplicate', () => {
    const c = history().welcome('A', false, 'new').ssend('A', 's-1', 's-2').sdeliver('A', 's-1', 's-2', 's-1').check();
    assert.deepEqual(counts(c), { ...ZERO, duplicated: 1 });
  });

  it('counts a swapped pair as one reorder and nothing lost', () => {
    const c = history().welcome('A', false, 'new').ssend('A', 's-1', 's-2', 's-3').sdeliver('A', 's-2', 's-1', 's-3').check();
    assert.deepEqual(counts(c), { ...ZERO, reordered: 1 });
  });

  it('counts sends never delivered in the final session as lost', () => {
    const c = history()
      .welcome('A', false, 'new')
      .ssend('A', 's-1', 's-2')
      .sdeliver('A', 's-1')
      .welcome('A', true)
      .check();
    assert.deepEqual(counts(c), { ...ZERO, lost: 1 });
    assert.match(c.details.join('\n'), /s-2 sent in the final session A but never delivered/);
  });

  it('gives no exemption to a session the client never heard of without a later resumed:false welcome', () => {
    const c = history()
      .welcome('A', false, 'new')
      .ssend('A', 's-1')
      .sdeliver('A', 's-1')
      .created('X', 'unknown-session')
      .ssend('X', 's-2')
      .welcome('A', true)
      .check();
    assert.deepEqual(counts(c), { ...ZERO, lost: 1 });
  });

  it('places a session the client never heard of by its creation time relative to resumed:false welcomes', () => {
    const c = history().created('X').ssend('X', 's-1').welcome('A', false, 'new').welcome('A', true).check();
    // X's creation precedes A's resumed:false welcome, so X is exempt; A has nothing undelivered.
    assert.deepEqual(counts(c), { ...ZERO, exempt: 1 });
    const d = history().welcome('A', false, 'new').created('X').ssend('X', 's-1').welcome('A', true).check();
    assert.deepEqual(counts(d), { ...ZERO, lost: 1 });
  });

  it('counts a delivery of an id never sent, or sent in another session, as unexpected', () => {
    const c = history()
      .welcome('A', false, 'new')
      .ssend('A', 's-1')
      .sdeliver('A', 's-1', 's-7')
      .welcome('B', false, 'unknown-session')
      .ssend('B', 's-2')
      .sdeliver('B', 's-1', 's-2')
      .check();
    assert.deepEqual(counts(c), { ...ZERO, unexpected: 2 });
    assert.match(c.details.join('\n'), /s2c s-1 delivered in session B but sent in session A/);
  });

  it('keeps the detail list bounded', () => {
    const b = history().welcome('A', false, 'new');
    for (let i = 0; i < 100; i++) b.csend(`c-${i}`).cack(`c-${i}`);
    const c = b.check();
    assert.equal(c.lost, 100);
    assert.ok(c.details.length <= 21, `details: ${c.details.length}`);
  });
});

describe('mergeHistories and formatHistoryCheck', () => {
  it('merges by time, ties in input order, and keeps each input in its own order', () => {
    const a: HistoryEvent[] = [
      { t: 1, dir: 'c2s', kind: 'send', id: 'c-1' },
      { t: 5, dir: 'c2s', kind: 'send', id: 'c-2' },
      { t: 4, dir: 'c2s', kind: 'send', id: 'c-3' }, // a backwards clock step stays after c-2
    ];
    const b: HistoryEvent[] = [
      { t: 1, dir: 'c2s', kind: 'deliver', id: 'c-1', session: 'A' },
      { t: 3, dir: 'c2s', kind: 'deliver', id: 'c-2', session: 'A' },
      { t: 6, dir: 'c2s', kind: 'deliver', id: 'c-3', session: 'A' },
    ];
    const merged = mergeHistories(a, b).map((e) => ('id' in e ? `${e.kind}:${e.id}` : e.kind));
    assert.deepEqual(merged, ['send:c-1', 'deliver:c-1', 'deliver:c-2', 'send:c-2', 'send:c-3', 'deliver:c-3']);
    assert.deepEqual(mergeHistories(), []);
  });

  it('formats a one-line summary plus the details', () => {
    const ok = formatHistoryCheck(history().welcome('A', false, 'new').check(), 'cut');
    assert.match(ok, /^cut: VALID lost=0 duplicated=0 reordered=0 unexpected=0 exempt=0/);
    assert.doesNotMatch(ok, /\n/);
    const bad = formatHistoryCheck(history().welcome('A', false, 'new').csend('c-1').cack('c-1').check());
    assert.match(bad, /^history: INVALID lost=1/);
    assert.match(bad, /\n  lost: c2s c-1 acked but never delivered/);
  });
});

/**
 * A model of a correct system: in-order queues both ways, links that drop (resumed:true reconnects
 * resend what is unacked), and server restarts (resumed:false: the server forgets; the client resends
 * its unacked messages into the new session, and undelivered server messages are gone).
 */
function modelRun(steps: readonly number[]): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  let t = 0;
  let sessionNo = 1;
  let session = 'S1';
  let cn = 0;
  let sn = 0;
  const outbox: string[] = []; // client messages not yet acked
  let inflight = 0; // of the outbox head, how many the server already delivered (ack not yet seen)
  const serverQueue: string[] = []; // server messages of this session not yet delivered
  events.push({ t: ++t, kind: 'session', side: 'client', session, resumed: false, reason: 'new' });
  for (const step of steps) {
    switch (step) {
      case 0: {
        const id = `c-${++cn}`;
        events.push({ t: ++t, dir: 'c2s', kind: 'send', id });
        outbox.push(id);
        break;
      }
      case 1: {
        const id = outbox[inflight];
        if (id === undefined) break;
        events.push({ t: ++t, dir: 'c2s', kind: 'deliver', id, session });
        inflight++;
        break;
      }
      case 2: {
        const id = outbox[0];
        if (id === undefined || inflight === 0) break;
        events.push({ t: ++t, dir: 'c2s', kind: 'ack', id });
        outbox.shift();
        inflight--;
        break;
      }
      case 3: {
        const id = `s-${++sn}`;
        events.push({ t: ++t, dir: 's2c', kind: 'send', id, session });
        serverQueue.push(id);
        break;
      }
      case 4: {
        const id = serverQueue.shift();
        if (id !== undefined) events.push({ t: ++t, dir: 's2c', kind: 'deliver', id, session });
        break;
      }
      case 5:
        // Link drop and resume: the server kept its dedupe state, so nothing is delivered twice.
        events.push({ t: ++t, kind: 'nemesis', action: 'cut' });
        events.push({ t: ++t, kind: 'session', side: 'client', session, resumed: true });
        break;
      case 6:
        // Server restart: a fresh session; delivered-but-unacked messages will be delivered again.
        events.push({ t: ++t, kind: 'nemesis', action: 'kill' });
        session = `S${++sessionNo}`;
        events.push({ t: ++t, kind: 'session', side: 'client', session, resumed: false, reason: 'unknown-session' });
        inflight = 0;
        serverQueue.length = 0;
        break;
    }
  }
  // Final heal and drain.
  for (const id of outbox.slice(inflight)) events.push({ t: ++t, dir: 'c2s', kind: 'deliver', id, session });
  for (const id of outbox) events.push({ t: ++t, dir: 'c2s', kind: 'ack', id });
  for (const id of serverQueue) events.push({ t: ++t, dir: 's2c', kind: 'deliver', id, session });
  return events;
}

describe('checkHistory: model-based properties', () => {
  const steps = fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 120 });

  it('finds every history of the correct model valid', () => {
    fc.assert(
      fc.property(steps, (s) => {
        const c = checkHistory(modelRun(s));
        assert.ok(c.valid, formatHistoryCheck(c));
      }),
    );
  });

  it('exempts only when the model restarted the server', () => {
    fc.assert(
      fc.property(steps, (s) => {
        const c = checkHistory(modelRun(s));
        if (!s.includes(6)) assert.equal(c.exempt, 0, formatHistoryCheck(c));
      }),
    );
  });

  it('flags a history where one delivery was removed, duplicated in place, or swapped', () => {
    fc.assert(
      fc.property(steps, fc.nat(), fc.integer({ min: 0, max: 2 }), (s, pick, mutation) => {
        const events = modelRun(s);
        const deliveries = events.flatMap((e, i) => ('dir' in e && e.kind === 'deliver' ? [i] : []));
        fc.pre(deliveries.length >= 2);
        const k = pick % (deliveries.length - 1);
        const i = deliveries[k] ?? 0;
        const j = deliveries[k + 1] ?? 0;
        const a = events[i];
        const b = events[j];
        if (!a || !b) return;
        if (mutation === 0) {
          // Removing a delivery: an acked c2s message (the model acks everything) or an s2c message
          // of the final session is lost. Only where a resumed:false was involved may it stay valid:
          // one of two exempt deliveries is gone, or an abandoned session's send became exempt.
          const mutated = events.filter((_, x) => x !== i);
          const c = checkHistory(mutated);
          const before = checkHistory(events);
          assert.ok(!c.valid || c.exempt !== before.exempt, formatHistoryCheck(c));
        } else if (mutation === 1) {
          const mutated = [...events.slice(0, i + 1), { ...a, t: a.t }, ...events.slice(i + 1)];
          const c = checkHistory(mutated);
          assert.ok(!c.valid, formatHistoryCheck(c));
        } else {
          fc.pre('dir' in a && 'dir' in b && a.dir === b.dir && 'session' in a && 'session' in b && a.session === b.session && a.id !== b.id);
          const mutated = [...events];
          mutated[i] = b;
          mutated[j] = a;
          const c = checkHistory(mutated);
          assert.ok(!c.valid, formatHistoryCheck(c));
        }
      }),
      { numRuns: 300 },
    );
  });
});
