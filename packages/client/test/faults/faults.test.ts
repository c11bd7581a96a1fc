// The fault suite: real processes (fixture server child, fault proxy, ws client), a recorded
// Jepsen-style history per scenario, and the offline checker judging it (reliability.md §3, §6).
// Scenarios run one after another: they measure timings, and two cores are all CI has.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep, waitFor } from '@lifeline/testkit';
import { DEADLINE_MS, detectionTime, runFaultScenario, type FaultResult } from './scenario.js';

/** Allowance on top of interval + timeout for timer granularity and a loaded CI box. */
const SLACK_MS = 700;
/** How long the silent faults last: three times the client's deadline. */
const FAULT_MS = 1_500;

/** Zero lost, duplicated, reordered and unexpected; and zero exempt unless a discontinuity is expected. */
function assertNoAnomalies(result: FaultResult, options: { exempt: 'none' | 'allowed' }): void {
  const { check, summary } = result;
  assert.equal(check.lost, 0, summary);
  assert.equal(check.duplicated, 0, summary);
  assert.equal(check.reordered, 0, summary);
  assert.equal(check.unexpected, 0, summary);
  if (options.exempt === 'none') assert.equal(check.exempt, 0, summary);
  assert.ok(check.valid, summary);
  assert.ok(check.stats.c2s.acked > 0 && check.stats.s2c.deliveries > 0, `traffic flowed both ways: ${summary}`);
}

// F-cut: the link is reset (RST both ways) mid-stream, three times; every reconnect must resume.
test('link cut mid-stream (3x): resumed every time, nothing lost, duplicated or reordered', { timeout: 30_000 }, async () => {
  const cuts = 3;
  const reconnects: number[] = [];
  const result = await runFaultScenario({
    name: 'link-cut',
    viaProxy: true,
    async fault(run) {
      const proxy = run.proxy;
      assert.ok(proxy, 'link-cut runs through the proxy');
      for (let i = 0; i < cuts; i++) {
        const before = run.welcomes.length;
        const cutAt = run.nemesis('start', 'cut');
        proxy.cut();
        run.nemesis('stop', 'cut');
        const welcome = await run.waitForWelcome(before, 5_000);
        reconnects.push(welcome.t - cutAt);
        await run.waitForFlow(3_000);
        await sleep(150);
      }
    },
  });
  console.log(result.summary);
  console.log(`link-cut: cut -> resumed ${reconnects.join(', ')} ms`);
  assertNoAnomalies(result, { exempt: 'none' });
  const [first, ...later] = result.welcomes;
  assert.equal(first?.resumed, false, 'the first welcome opens a fresh session');
  assert.ok(later.length >= cuts, `one resume per cut at least: ${later.length}`);
  for (const w of later) {
    assert.equal(w.resumed, true, `every welcome after a cut resumes: ${result.summary}`);
    assert.equal(w.id, first?.id);
  }
});

// F1: the link goes silent (black hole: bytes dropped, no FIN/RST) for longer than the heartbeat
// deadline; the client must notice on its own deadline and resume once the link heals.
test('black-holed link for 1.5 s: detected within the deadline, resumed, 0 anomalies', { timeout: 30_000 }, async () => {
  let t0 = 0;
  let recovery = 0;
  const result = await runFaultScenario({
    name: 'blackhole',
    viaProxy: true,
    async fault(run) {
      const proxy = run.proxy;
      assert.ok(proxy, 'blackhole runs through the proxy');
      const before = run.welcomes.length;
      t0 = run.nemesis('start', 'blackhole');
      proxy.blackhole();
      await sleep(FAULT_MS);
      proxy.heal();
      const healed = run.nemesis('stop', 'blackhole');
      const welcome = await run.waitForWelcome(before, 5_000);
      recovery = welcome.t - healed;
    },
  });
  console.log(result.summary);
  const detected = detectionTime(result.states, t0);
  console.log(`blackhole: detection ${detected ?? 'never'} ms (bound ${DEADLINE_MS + SLACK_MS} ms), heal -> resumed ${recovery} ms`);
  assertNoAnomalies(result, { exempt: 'none' });
  assert.ok(detected !== undefined, 'the client noticed the dead link');
  assert.ok(detected <= DEADLINE_MS + SLACK_MS, `detection took ${detected} ms`);
  const later = result.welcomes.slice(1);
  assert.ok(later.length >= 1, 'the client came back');
  for (const w of later) assert.equal(w.resumed, true, result.summary);
});

// F18 (with F7's SIGSTOP tool): the server process is frozen (SIGSTOP) for longer than the heartbeat deadline, then
// thawed (SIGCONT). It kept its memory, so the client's reconnect must resume the same session.
test('server frozen (SIGSTOP) for 1.5 s: detected within the deadline, resumed, 0 anomalies', { timeout: 30_000 }, async () => {
  let t0 = 0;
  let recovery = 0;
  const result = await runFaultScenario({
    name: 'server-freeze',
    viaProxy: false,
    async fault(run) {
      const before = run.welcomes.length;
      t0 = run.nemesis('start', 'sigstop');
      run.server.stop();
      let thawed = 0;
      try {
        await sleep(FAULT_MS);
      } finally {
        run.server.cont();
        thawed = run.nemesis('stop', 'sigstop');
      }
      const welcome = await run.waitForWelcome(before, 5_000);
      recovery = welcome.t - thawed;
    },
  });
  console.log(result.summary);
  const detected = detectionTime(result.states, t0);
  console.log(`server-freeze: detection ${detected ?? 'never'} ms (bound ${DEADLINE_MS + SLACK_MS} ms), SIGCONT -> resumed ${recovery} ms`);
  assertNoAnomalies(result, { exempt: 'none' });
  assert.ok(detected !== undefined, 'the client noticed the frozen server');
  assert.ok(detected <= DEADLINE_MS + SLACK_MS, `detection took ${detected} ms`);
  const later = result.welcomes.slice(1);
  assert.ok(later.length >= 1, 'the client came back');
  for (const w of later) assert.equal(w.resumed, true, result.summary);
});

// F10: the server is SIGKILLed and restarted on the same port, twice. Its sessions die with it, so
// the client must get (and report) a resumed:false discontinuity each time; outside that exempt span
// nothing may be lost, duplicated or reordered, and every message acked before a kill must have been
// delivered. Kill 1 is plain (the kernel's FIN/RST tells the client at once). Kill 2 first stalls the
// link until a server send is stuck in it, so messages are in flight when the server dies: those
// undelivered server sends must come out as exempt (reported), never as lost or silently skipped.
test('server SIGKILL + restart (2x): discontinuity reported, 0 anomalies outside the exempt span', { timeout: 30_000 }, async () => {
  const kills: { at: number; restarted: number; detected: number | undefined }[] = [];
  const result = await runFaultScenario({
    name: 'server-kill',
    viaProxy: true,
    async fault(run) {
      const proxy = run.proxy;
      assert.ok(proxy, 'server-kill runs through the proxy');
      // Kill 1: plain.
      let before = run.welcomes.length;
      let at = run.nemesis('start', 'sigkill');
      await run.server.restart();
      kills.push({ at, restarted: run.nemesis('stop', 'sigkill'), detected: detectionTime(run.states, at) });
      await run.waitForWelcome(before, 5_000);
      await run.waitForFlow(3_000);
      // Kill 2: with server sends stuck in a stalled link.
      before = run.welcomes.length;
      const from = run.server.lines.length;
      const stalledAt = run.nemesis('start', 'stall');
      proxy.stall();
      // A send logged after the stall began (same wall clock) was written into the stalled link.
      const stuck = (l: string) => l.includes('"ev":"send"') && (JSON.parse(l) as { t: number }).t > stalledAt + 5;
      await run.server.waitForLine(stuck, 3_000, from);
      at = run.nemesis('start', 'sigkill');
      await run.server.restart();
      const restarted = run.nemesis('stop', 'sigkill');
      // Heal only once the client gave the stalled link up, so the stuck bytes cannot reach it.
      await waitFor(() => detectionTime(run.states, stalledAt) !== undefined, { timeoutMs: 5_000, message: 'stall not detected' });
      kills.push({ at, restarted, detected: detectionTime(run.states, stalledAt) });
      proxy.heal();
      run.nemesis('stop', 'stall');
      await run.waitForWelcome(before, 5_000);
    },
  });
  console.log(result.summary);
  for (const [i, k] of kills.entries()) {
    const back = result.welcomes.find((w) => w.t >= k.at);
    console.log(
      `server-kill #${i + 1}: detection ${k.detected ?? 'never'} ms, SIGKILL -> restarted ${k.restarted - k.at} ms, ` +
        `restarted -> fresh welcome ${back ? back.t - k.restarted : 'never'} ms`,
    );
  }
  // Exempt is allowed here: the server's dedupe memory and unacked sends died with it.
  assertNoAnomalies(result, { exempt: 'allowed' });
  const [first] = result.welcomes;
  const sessions = new Set([first?.id]);
  for (const k of kills) {
    const fresh = result.welcomes.find((w) => w.t >= k.at);
    assert.ok(fresh, 'the client came back');
    assert.equal(fresh.resumed, false, `the discontinuity is reported: ${result.summary}`);
    assert.equal(fresh.reason, 'unknown-session');
    assert.ok(!sessions.has(fresh.id), 'a new session id');
    sessions.add(fresh.id);
  }
  // F10: a killed server on the same box is noticed at once (the kernel resets the connection).
  const plain = kills[0]?.detected;
  assert.ok(plain !== undefined && plain <= 1_000, `detection after a plain kill took ${plain} ms`);
  // The stuck server sends of the second kill are reported as exempt, not lost.
  assert.ok(result.check.exempt > 0, `in-flight messages at the second kill: ${result.summary}`);
  assert.match(result.check.details.join('\n'), /exempt: s2c \d+ undelivered sends/);
  // Acked before a kill => delivered (the checker's lost = 0 covers it; this names it explicitly).
  const delivered = new Set(result.history.flatMap((e) => ('dir' in e && e.dir === 'c2s' && e.kind === 'deliver' ? [e.id] : [])));
  const lastKill = kills[kills.length - 1]?.at ?? 0;
  const ackedBefore = result.history.filter((e) => 'dir' in e && e.dir === 'c2s' && e.kind === 'ack' && e.t < lastKill);
  assert.ok(ackedBefore.length > 0, 'traffic was acked before the kills');
  for (const e of ackedBefore) assert.ok('id' in e && delivered.has(e.id), `acked before a kill but not delivered: ${'id' in e ? e.id : ''}`);
});

// The fault harness is not vacuous: a fixture that falsifies its record on purpose (one delivery
// unlogged, one logged twice, one send logged but never sent) must make the checker fail.
test('harness self-check: planted loss, duplicate and gap are all reported', { timeout: 30_000 }, async () => {
  const result = await runFaultScenario({
    name: 'selfcheck',
    viaProxy: true,
    warmupMs: 300,
    settleMs: 300,
    serverEnv: { PLANT_BUG: 'lose,dup,gap' },
    async fault(run) {
      const before = run.welcomes.length;
      run.proxy?.cut();
      await run.waitForWelcome(before, 5_000);
    },
  });
  console.log(result.summary);
  const { check } = result;
  assert.equal(check.valid, false, result.summary);
  assert.equal(check.lost, 2, `one acked c2s message and one s2c send: ${result.summary}`);
  assert.equal(check.duplicated, 1, result.summary);
  assert.equal(check.reordered, 0, result.summary);
  assert.equal(check.unexpected, 0, result.summary);
  assert.match(check.details.join('\n'), /lost: c2s c-\d+ acked but never delivered/);
  assert.match(check.details.join('\n'), /lost: s2c s-\d+-15 /);
  assert.match(check.details.join('\n'), /duplicated: c2s c-\d+ delivered again/);
});
