// The channel fault suite: real processes (channel-server.ts child publishing on `feed` every 10 ms,
// the testkit fault proxy, a ws client subscribed to `feed`), a recorded history per fault, and the
// channel checker (channel-checker.ts) judging it against the server's log. Faults run one after
// another: they measure timings, and two cores are all CI has.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sleep, waitFor } from '@lifeline/testkit';
import { DEADLINE_MS, SLACK_MS, FAULT_MS, type PublicationEvent, runChannelScenario, detectionTime, resubscribeAfter, assertKeptEverything, assertNoAnomalies } from './channel-scenario.js';

describe('channels under faults (real processes, checked history)', { concurrency: 1 }, () => {
  // a. The link is reset (RST both ways) mid-stream, three times: every resubscribe recovers from history.
  test('link cut mid-stream (3x): every resubscribe recovers, 0 lost, duplicated or reordered', { timeout: 20_000 }, async () => {
    const cuts = 3;
    const result = await runChannelScenario('channel-link-cut', async (run) => {
      for (let i = 0; i < cuts; i++) {
        const before = run.subscribed().length;
        run.nemesis('cut');
        run.proxy.cut();
        await run.waitForSubscribed(before, 5_000);
        await run.waitForPublications(10, 3_000);
        await sleep(150);
      }
    });
    console.log(result.summary);
    const lines = result.nemesis.map((n) => {
      const r = resubscribeAfter(result, n.t);
      return r ? `${r.at} ms (recovered=${String(r.event.recovered)}, backlog ${r.backlog})` : 'never';
    });
    console.log(`channel-link-cut: cut -> resubscribed ${lines.join('; ')}`);
    assertKeptEverything(result);
    assert.ok(result.subscribed.length >= 1 + cuts, `one resubscribe per cut at least: ${result.summary}`);
  });

  // b. The link goes silent (black hole) past the deadline: the client notices on its own, and resubscribes from its position once it heals.
  test('black-holed link for 1.5 s: detected within the deadline, recovered, 0 lost', { timeout: 20_000 }, async () => {
    let t0 = 0;
    let healed = 0;
    const result = await runChannelScenario('channel-blackhole', async (run) => {
      const before = run.subscribed().length;
      t0 = run.nemesis('blackhole');
      run.proxy.blackhole();
      try {
        await sleep(FAULT_MS);
      } finally {
        run.proxy.heal();
        healed = run.nemesis('heal');
      }
      await run.waitForSubscribed(before, 6_000);
    });
    console.log(result.summary);
    const detected = detectionTime(result.states, t0);
    const r = resubscribeAfter(result, healed);
    console.log(
      `channel-blackhole: detection ${detected ?? 'never'} ms (bound ${DEADLINE_MS + SLACK_MS} ms), heal -> resubscribed ` +
        `${r ? `${r.at} ms (recovered=${String(r.event.recovered)}, backlog ${r.backlog})` : 'never'}`,
    );
    assertKeptEverything(result);
    assert.ok(detected !== undefined, 'the client noticed the dead link');
    assert.ok(detected <= DEADLINE_MS + SLACK_MS, `detection took ${detected} ms`);
    assert.ok(r && r.event.recovered === true && r.backlog > 0, `the resubscribe recovered a backlog: ${result.summary}`);
  });

  // c. The server process is frozen (SIGSTOP) past the deadline, then thawed: it kept its memory, so the resubscribe recovers.
  test('server frozen (SIGSTOP) for 1.5 s: detected within the deadline, recovered, 0 lost', { timeout: 20_000 }, async () => {
    let t0 = 0;
    let thawed = 0;
    const result = await runChannelScenario('channel-server-freeze', async (run) => {
      const before = run.subscribed().length;
      t0 = run.nemesis('sigstop');
      run.server.stop();
      try {
        await sleep(FAULT_MS);
      } finally {
        run.server.cont();
        thawed = run.nemesis('sigcont');
      }
      await run.waitForSubscribed(before, 6_000);
    });
    console.log(result.summary);
    const detected = detectionTime(result.states, t0);
    const r = resubscribeAfter(result, thawed);
    console.log(
      `channel-server-freeze: detection ${detected ?? 'never'} ms (bound ${DEADLINE_MS + SLACK_MS} ms), SIGCONT -> resubscribed ` +
        `${r ? `${r.at} ms (recovered=${String(r.event.recovered)}, backlog ${r.backlog})` : 'never'}`,
    );
    assertKeptEverything(result);
    assert.ok(detected !== undefined, 'the client noticed the frozen server');
    assert.ok(detected <= DEADLINE_MS + SLACK_MS, `detection took ${detected} ms`);
  });

  // d. The server is SIGKILLed and a new process starts behind the same proxy: the history died with
  // it, so the client must be told recovered: false (epoch-changed), never left in silence; then
  // publications of the new epoch flow, and from there on nothing is lost.
  test('server SIGKILL + restart: explicit recovered: false (epoch-changed), then the new epoch flows', { timeout: 20_000 }, async () => {
    let killed = 0;
    let restarted = 0;
    let oldPid = 0;
    let newPid = 0;
    const result = await runChannelScenario('channel-server-kill', async (run) => {
      const before = run.subscribed().length;
      oldPid = run.server.pid;
      killed = run.nemesis('sigkill');
      await run.server.restart();
      restarted = run.nemesis('restarted');
      newPid = run.server.pid;
      await run.waitForSubscribed(before, 8_000);
    });
    console.log(result.summary);
    const detected = detectionTime(result.states, killed);
    const r = resubscribeAfter(result, killed);
    const fresh = result.welcomes.find((w) => w.t >= killed);
    console.log(
      `channel-server-kill: detection ${detected ?? 'never'} ms, SIGKILL -> restarted ${restarted - killed} ms, ` +
        `restarted -> fresh welcome ${fresh ? fresh.t - restarted : 'never'} ms, -> subscribed ${r ? r.event.t - restarted : 'never'} ms ` +
        `(recovered=${String(r?.event.recovered)}, reason ${r?.event.reason ?? '-'}), skipped (exempt) ${result.check.skipped}`,
    );
    const { check, summary } = result;
    assertNoAnomalies(result);
    assert.ok(check.valid, summary);
    // The discontinuity is explicit: exactly one recovered: false, for the epoch change, into the new epoch.
    assert.equal(check.notRecovered.length, 1, summary);
    assert.equal(check.notRecovered[0]?.reason, 'epoch-changed', summary);
    assert.equal(check.epochs.length, 2, summary);
    assert.ok(r && r.event.recovered === false, `the first subscribed after the kill did not recover: ${summary}`);
    assert.equal(r.event.epoch, check.epochs[1], summary);
    assert.ok(fresh && !fresh.resumed && fresh.reason === 'unknown-session', `a fresh session after the kill: ${summary}`);
    // Publications flowed in both epochs, from the right process each.
    const pubs = result.events.filter((e): e is PublicationEvent => e.kind === 'pub');
    const oldEpoch = pubs.filter((e) => e.epoch === check.epochs[0]);
    const newEpoch = pubs.filter((e) => e.epoch === check.epochs[1]);
    assert.ok(oldEpoch.length > 0 && oldEpoch.every((e) => e.pid === oldPid), summary);
    assert.ok(newEpoch.length >= 30 && newEpoch.every((e) => e.pid === newPid), `the new epoch flows: ${summary}`);
    // Never silence: the explicit word came soon after the new server was up, and before any publication of its epoch.
    assert.ok(r.event.t - restarted <= 3_000, `subscribed ${r.event.t - restarted} ms after the restart: ${summary}`);
    assert.ok(newEpoch.every((e) => e.t >= r.event.t), summary);
  });
  // d'. As d, but the link is stalled first until publications are stuck in it, so the client misses
  // some when the server dies: they must come out as skipped (exempt: reported by the recovered:
  // false), never as lost, and never jumped over in silence.
  test('server SIGKILL with publications in flight: the missed ones are reported (recovered: false), not lost', { timeout: 20_000 }, async () => {
    let stalledAt = 0;
    let killed = 0;
    let restarted = 0;
    let oldPid = 0;
    let newPid = 0;
    let stuck = 0;
    const result = await runChannelScenario('channel-server-kill-inflight', async (run) => {
      const before = run.subscribed().length;
      oldPid = run.server.pid;
      const lineFrom = run.server.lines.length;
      stalledAt = run.nemesis('stall');
      run.proxy.stall();
      // Publications logged from now on were written into the stalled link.
      const publishedSince = () => run.server.lines.slice(lineFrom).filter((l) => l.includes('"ev":"published"')).length;
      await waitFor(() => publishedSince() >= 10, { timeoutMs: 3_000, message: 'no publications during the stall' });
      stuck = publishedSince();
      killed = run.nemesis('sigkill');
      await run.server.restart();
      restarted = run.nemesis('restarted');
      newPid = run.server.pid;
      // Heal only once the client gave the stalled link up, so the stuck bytes cannot reach it.
      await waitFor(() => detectionTime(run.states, stalledAt) !== undefined, { timeoutMs: 5_000, message: 'stall not detected' });
      run.proxy.heal();
      run.nemesis('heal');
      await run.waitForSubscribed(before, 8_000);
    });
    console.log(result.summary);
    const { check, summary } = result;
    const detected = detectionTime(result.states, stalledAt);
    const r = resubscribeAfter(result, killed);
    const fresh = result.welcomes.find((w) => w.t >= killed);
    console.log(
      `channel-server-kill-inflight: ${stuck} publications logged during the stall, detection ${detected ?? 'never'} ms (from the stall), ` +
        `SIGKILL -> restarted ${restarted - killed} ms, restarted -> fresh welcome ${fresh ? fresh.t - restarted : 'never'} ms, ` +
        `-> subscribed ${r ? r.event.t - restarted : 'never'} ms (recovered=${String(r?.event.recovered)}, reason ${r?.event.reason ?? '-'}), ` +
        `skipped (exempt) ${check.skipped}`,
    );
    assertNoAnomalies(result);
    assert.ok(check.valid, summary);
    assert.deepEqual(check.notRecovered.map((n) => n.reason), ['epoch-changed'], summary);
    assert.equal(check.epochs.length, 2, summary);
    assert.ok(r && r.event.recovered === false && r.event.epoch === check.epochs[1], `the first subscribed after the kill did not recover: ${summary}`);
    assert.ok(fresh && !fresh.resumed && fresh.reason === 'unknown-session', `a fresh session after the kill: ${summary}`);
    // What was stuck in the link was missed, and reported (exempt), not lost.
    assert.ok(check.skipped > 0, `publications in flight at the kill: ${summary}`);
    assert.match(check.details.join('\n'), /exempt: epoch \S+ offsets [\d.]+.* not received, reported by recovered: false \(epoch changed\)/);
    const pubs = result.events.filter((e): e is PublicationEvent => e.kind === 'pub');
    assert.ok(pubs.filter((e) => e.epoch === check.epochs[0]).every((e) => e.pid === oldPid && e.t < killed), summary);
    const newEpoch = pubs.filter((e) => e.epoch === check.epochs[1]);
    assert.ok(newEpoch.length >= 30 && newEpoch.every((e) => e.pid === newPid && e.t >= r.event.t), `the new epoch flows: ${summary}`);
  });
});
