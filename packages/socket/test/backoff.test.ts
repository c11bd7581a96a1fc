// Backoff bounds and jitter spread, and the reconnect policy built on them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffCeiling, fullJitterBackoff, retryAfterDelay } from '@lifeline/socket';
import { seededRandom } from '@lifeline/testkit';
import { ReconnectPolicy } from '../src/reconnect.js';

const options = { base: 500, cap: 10_000 };

describe('backoffCeiling', () => {
  it('doubles from base and stops at cap', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffCeiling(n, options));
    assert.deepEqual(ceilings, [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('stays finite for huge and odd attempt numbers', () => {
    for (const attempt of [31, 1000, 1e9, Infinity, -3, 2.7]) {
      const ceiling = backoffCeiling(attempt, options);
      assert.ok(Number.isFinite(ceiling) && ceiling >= 500 && ceiling <= 10_000, `attempt ${attempt} gave ${ceiling}`);
    }
  });
});

describe('fullJitterBackoff', () => {
  it('draws whole numbers in [0, ceiling) that spread over the whole range', () => {
    const random = seededRandom(7);
    for (let attempt = 0; attempt < 8; attempt++) {
      const ceiling = backoffCeiling(attempt, options);
      const draws = Array.from({ length: 5000 }, () => fullJitterBackoff(attempt, options, random));
      for (const d of draws) assert.ok(Number.isInteger(d) && d >= 0 && d < ceiling, `attempt ${attempt}: ${d}`);
      const min = Math.min(...draws);
      const max = Math.max(...draws);
      const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
      assert.ok(min < ceiling * 0.02, `attempt ${attempt}: min ${min} should be near 0`);
      assert.ok(max > ceiling * 0.98, `attempt ${attempt}: max ${max} should be near ${ceiling}`);
      assert.ok(Math.abs(mean - ceiling / 2) < ceiling * 0.03, `attempt ${attempt}: mean ${mean}`);
      // Ten equal buckets each get a fair share: no lockstep clusters.
      const buckets = new Array<number>(10).fill(0);
      for (const d of draws) {
        const i = Math.floor((d / ceiling) * 10);
        buckets[i] = (buckets[i] ?? 0) + 1;
      }
      for (const count of buckets) assert.ok(count > 350 && count < 650, `attempt ${attempt}: buckets ${buckets.join(',')}`);
    }
  });

  it('keeps jitter below the cap once the cap is reached', () => {
    const random = seededRandom(99);
    const draws = Array.from({ length: 2000 }, () => fullJitterBackoff(50, options, random));
    assert.ok(draws.every((d) => d < 10_000));
    assert.ok(new Set(draws).size > 1000, 'capped delays must still be spread, not equal');
  });

  it('maps the extremes of random() to the ends of the range', () => {
    assert.equal(fullJitterBackoff(3, options, () => 0), 0);
    assert.equal(fullJitterBackoff(3, options, () => 0.999999), 3999);
  });
});

describe('retryAfterDelay', () => {
  it('is never shorter than the hint and at most the hint again, capped', () => {
    const random = seededRandom(3);
    for (let i = 0; i < 1000; i++) {
      const d = retryAfterDelay(2000, 10_000, random);
      assert.ok(d >= 2000 && d < 4000, String(d));
      const big = retryAfterDelay(60_000, 10_000, random);
      assert.ok(big >= 60_000 && big < 70_000, String(big));
    }
  });
});

describe('ReconnectPolicy', () => {
  const make = (overrides: Partial<{ maxAttempts: number; minUptime: number }> = {}) =>
    new ReconnectPolicy({ backoff: { ...options, refusedCap: options.cap }, maxAttempts: 3, minUptime: 10_000, random: () => 0.5, ...overrides });

  it('grows the delay with each started attempt', () => {
    const policy = make();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      delays.push(policy.nextDelay());
      policy.attemptStarted();
    }
    assert.deepEqual(delays, [250, 500, 1000, 2000]);
  });

  it('is exhausted after maxAttempts started attempts', () => {
    const policy = make();
    for (let i = 0; i < 3; i++) {
      assert.equal(policy.exhausted, false);
      policy.attemptStarted();
    }
    assert.equal(policy.exhausted, true);
  });

  it('resets the counter only when a link stayed open minUptime', () => {
    const policy = make();
    policy.attemptStarted();
    policy.attemptStarted();
    policy.opened(1000);
    policy.lost(1000 + 9_999);
    assert.equal(policy.attempts, 2, 'a short-lived link keeps the counter');
    policy.opened(50_000);
    policy.lost(60_000);
    assert.equal(policy.attempts, 0);
    policy.attemptStarted();
    policy.lost(200_000);
    assert.equal(policy.attempts, 1, 'a loss without an open does not reset');
  });

  it('uses a retry-after hint once', () => {
    const policy = make();
    policy.retryAfter(4000);
    assert.equal(policy.nextDelay(), 4000 + 2000);
    assert.equal(policy.nextDelay(), 250);
  });
});
