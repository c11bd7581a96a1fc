// Summaries of repeated trials: median with min-max, and a spread flag.

/** One metric's value for one contender, summarised over trials (or over clients in time-domain scenarios). */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
  /** (max - min) / median, in percent. */
  spreadPct: number;
  /** True when the true value is at least `median` (e.g. "not detected within the cap"). */
  censored?: boolean;
}

/** Spread above this percentage is flagged in the report (performance.md §10.1 rule 7). */
export const SPREAD_FLAG_PCT = 10;

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Summarise finite values; returns null when there are none. */
export function summarize(values: readonly number[], censored = false): Summary | null {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return null;
  const med = median(v);
  const min = Math.min(...v);
  const max = Math.max(...v);
  const spreadPct = med !== 0 ? ((max - min) / Math.abs(med)) * 100 : 0;
  return censored ? { median: med, min, max, n: v.length, spreadPct, censored } : { median: med, min, max, n: v.length, spreadPct };
}
