// The channel history checker on planted histories: each kind of bad history fails it, a reported discontinuity passes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkChannelHistory, formatChannelCheck, type ChannelEvent, type ServerPublication } from './channel-checker.js';

// The checker is not vacuous: planted bad histories fail it, and a reported discontinuity passes.
describe('channel history checker (planted histories)', () => {
  const A = 'epochA';
  const B = 'epochB';
  const sub = (t: number, epoch: string, offset: number, recovered?: boolean, reason?: string): ChannelEvent => ({
    kind: 'subscribed',
    t,
    epoch,
    offset,
    ...(recovered !== undefined ? { recovered } : {}),
    ...(reason !== undefined ? { reason } : {}),
  });
  const pub = (epoch: string, offset: number, pid = 100): ChannelEvent => ({ kind: 'pub', t: offset, epoch, offset, n: offset, pid });
  const pubs = (epoch: string, from: number, to: number, pid = 100): ChannelEvent[] => {
    const out: ChannelEvent[] = [];
    for (let o = from; o <= to; o++) out.push(pub(epoch, o, pid));
    return out;
  };
  const log = (epoch: string, from: number, to: number, pid = 100): ServerPublication[] => {
    const out: ServerPublication[] = [];
    for (let o = from; o <= to; o++) out.push({ pid, n: o, epoch, offset: o });
    return out;
  };
  // First subscribe at offset 5, link lost after 20, resubscribe recovers (the channel at 25), up to 30.
  const good = (): ChannelEvent[] => [sub(0, A, 5), ...pubs(A, 6, 20), sub(100, A, 25, true), ...pubs(A, 21, 30)];
  const serverLog = log(A, 1, 30);

  test('a clean history with a recovered resubscribe is valid', () => {
    const check = checkChannelHistory(good(), serverLog);
    assert.ok(check.valid, formatChannelCheck(check, 'good'));
    assert.equal(check.received, 25);
    assert.equal(check.lost + check.skipped + check.notRecovered.length, 0);
  });

  test('a silent gap (no recovered: false) is a gap and a loss', () => {
    const events = good().filter((e) => !(e.kind === 'pub' && e.offset === 12));
    const check = checkChannelHistory(events, serverLog);
    assert.equal(check.valid, false);
    assert.equal(check.gaps, 1);
    assert.equal(check.lost, 1);
    assert.match(check.details.join('\n'), /lost: epoch epochA offsets 12 /);
  });

  test('a duplicate and a reordering are reported', () => {
    const events = good();
    const i = events.findIndex((e) => e.kind === 'pub' && e.offset === 16);
    const dup = checkChannelHistory([...events.slice(0, i + 1), pub(A, 16), ...events.slice(i + 1)], serverLog);
    assert.equal(dup.valid, false);
    assert.equal(dup.duplicated, 1);
    const swapped = [...events];
    const [x, y] = [swapped[i], swapped[i + 1]];
    assert.ok(x && y);
    swapped[i] = y;
    swapped[i + 1] = x;
    const reorder = checkChannelHistory(swapped, serverLog);
    assert.equal(reorder.valid, false);
    assert.equal(reorder.reordered, 1);
  });

  test('a recovered: true resubscribe does not license a jump', () => {
    const events = [sub(0, A, 5), ...pubs(A, 6, 20), sub(100, A, 25, true), ...pubs(A, 23, 30)];
    const check = checkChannelHistory(events, serverLog);
    assert.equal(check.valid, false);
    assert.equal(check.gaps, 1);
    assert.equal(check.lost, 2);
  });

  test('an epoch change without a recovered: false is unannounced; a recovered: true across epochs is refused', () => {
    const newLog = [...serverLog, ...log(B, 1, 10, 200)];
    const silent = checkChannelHistory([...good(), ...pubs(B, 1, 10, 200)], newLog);
    assert.equal(silent.valid, false);
    assert.equal(silent.unannounced, 10);
    const lying = checkChannelHistory([...good(), sub(200, B, 0, true), ...pubs(B, 1, 10, 200)], newLog);
    assert.equal(lying.valid, false);
    assert.ok(lying.badSubscribed >= 1);
  });

  test('publications the server logged but the client never got by the end are lost', () => {
    const check = checkChannelHistory(good(), log(A, 1, 35));
    assert.equal(check.valid, false);
    assert.equal(check.lost, 5);
    assert.match(check.details.join('\n'), /lost: epoch epochA offsets 31\.\.35 .*end of the run/);
  });

  test('received but never published, or with other data, is unexpected', () => {
    const forged: ChannelEvent = { kind: 'pub', t: 31, epoch: A, offset: 31, n: 31, pid: 100 };
    const extra = checkChannelHistory([...good(), forged], serverLog);
    assert.equal(extra.valid, false);
    assert.equal(extra.unexpected, 1);
    const wrong = checkChannelHistory([...good().slice(0, -1), { kind: 'pub', t: 30, epoch: A, offset: 30, n: 29, pid: 100 }], serverLog);
    assert.equal(wrong.valid, false);
    assert.equal(wrong.unexpected, 1);
    // A publication logged only as an intent (the server died before its position line) is not unexpected.
    const intent = checkChannelHistory([...good(), forged], [...serverLog, { pid: 100, n: 31, epoch: undefined, offset: undefined }]);
    assert.ok(intent.valid, formatChannelCheck(intent, 'intent'));
  });

  test('a restart reported by recovered: false (epoch-changed) is valid: what was missed is exempt, not lost', () => {
    const events = [...good(), sub(300, B, 3, false, 'epoch-changed'), ...pubs(B, 4, 10, 200)];
    const check = checkChannelHistory(events, [...log(A, 1, 33), ...log(B, 1, 10, 200)]);
    assert.ok(check.valid, formatChannelCheck(check, 'restart'));
    assert.equal(check.skipped, 3);
    assert.equal(check.lost, 0);
    assert.deepEqual(check.notRecovered.map((r) => r.reason), ['epoch-changed']);
    assert.deepEqual(check.epochs, [A, B]);
    // …but the new epoch must start right after the subscribed offset.
    const late = checkChannelHistory([...good(), sub(300, B, 3, false, 'epoch-changed'), ...pubs(B, 6, 10, 200)], [...log(A, 1, 30), ...log(B, 1, 10, 200)]);
    assert.equal(late.valid, false);
    assert.equal(late.gaps, 1);
    assert.equal(late.lost, 2);
  });
});
