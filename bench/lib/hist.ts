// Fixed-bucket latency histogram: log-spaced buckets (2% wide), mergeable across processes.

/** Bucket growth factor: every bucket is 2% wider than the one before, so quantiles are within 2%. */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
/** Smallest resolvable value in µs; everything below lands in bucket 0. */
const MIN_US = 1;
/** 1 µs to about 100 s. */
export const BUCKETS = 940;

/** A histogram of microsecond values, stored as counts per bucket. */
export class Histogram {
  readonly counts: Float64Array;
  total = 0;
  max = 0;

  constructor(counts?: Float64Array) {
    this.counts = counts ?? new Float64Array(BUCKETS);
    for (const c of this.counts) this.total += c;
  }

  record(us: number): void {
    const v = us < MIN_US ? MIN_US : us;
    let i = Math.floor(Math.log(v / MIN_US) / LOG_GROWTH);
    if (i >= BUCKETS) i = BUCKETS - 1;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.total++;
    if (us > this.max) this.max = us;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] = (this.counts[i] ?? 0) + (other.counts[i] ?? 0);
    this.total += other.total;
    this.max = Math.max(this.max, other.max);
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.max = 0;
  }

  /** The value at quantile q (0..1), as the geometric middle of its bucket; NaN when empty. */
  quantile(q: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return MIN_US * GROWTH ** (i + 0.5);
    }
    return this.max;
  }
}

/** Quantiles of a plain list (used for per-client times, where n is small). NaN when empty. */
export function quantileOf(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx] ?? Number.NaN;
}
