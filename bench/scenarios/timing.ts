// Helpers for time-domain scenarios (S5-S7): per-client times with a cap become censored quantiles.

import { quantileOf } from '../lib/hist.js';
import type { Summary } from '../lib/stats.js';

/**
 * The q-quantile of per-client times where `missing` clients never got there within `capMs`:
 * a censored "> cap" value when the quantile falls among them.
 */
export function censoredQuantile(times: readonly number[], n: number, q: number, capMs: number): Summary | null {
  if (n === 0) return null;
  const all = [...times, ...Array.from({ length: Math.max(0, n - times.length) }, () => Infinity)];
  const v = quantileOf(all, q);
  if (v === Infinity) return { median: capMs, min: capMs, max: capMs, n, spreadPct: 0, censored: true };
  return { median: v, min: v, max: v, n, spreadPct: 0 };
}

export function single(v: number, n = 1, censored = false): Summary | null {
  if (!Number.isFinite(v)) return null;
  return censored ? { median: v, min: v, max: v, n, spreadPct: 0, censored } : { median: v, min: v, max: v, n, spreadPct: 0 };
}

export const mean = (xs: readonly number[]): number => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
