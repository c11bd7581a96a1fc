// What a scenario is, what it returns, and the collector that turns raw values into summaries.

import type { ContenderId } from '../contenders/types.js';
import type { Sizes } from '../lib/args.js';
import { summarize, type Summary } from '../lib/stats.js';

export interface MetricDef {
  key: string;
  label: string;
  unit: string;
  better: 'lower' | 'higher';
  /** Drawn in the ratio chart (one or two per scenario). */
  chart?: boolean;
  /** Ratios to R make no sense (e.g. R's value is 0 by construction). */
  noRatio?: boolean;
}

export interface Metric extends MetricDef {
  values: Partial<Record<ContenderId, Summary | null>>;
}

export interface ScenarioResult {
  id: string;
  title: string;
  params: Record<string, unknown>;
  metrics: Metric[];
  notes: string[];
  extra: Record<string, unknown>;
  error?: string;
  durationS: number;
}

export interface Ctx {
  quick: boolean;
  sizes: Sizes;
  /** Available contenders, R first when present. */
  ids: ContenderId[];
  entry: string;
  log(msg: string): void;
}

export interface Scenario {
  id: string;
  title: string;
  run(ctx: Ctx, out: MetricSet): Promise<{ params: Record<string, unknown>; notes: string[]; extra?: Record<string, unknown> }>;
}

/** Collects per-trial (or per-client) values of every metric for every contender. */
export class MetricSet {
  private readonly defs: MetricDef[] = [];
  private readonly vals = new Map<string, Map<ContenderId, number[]>>();
  private readonly censored = new Map<string, Set<ContenderId>>();
  /** Summaries stored whole by `put` (distributions over clients rather than over trials). */
  private readonly preset = new Map<string, Summary>();

  def(...defs: MetricDef[]): void {
    for (const d of defs) if (!this.defs.some((x) => x.key === d.key)) this.defs.push(d);
  }

  add(key: string, id: ContenderId, value: number, censored = false): void {
    if (!Number.isFinite(value)) return;
    let m = this.vals.get(key);
    if (!m) this.vals.set(key, (m = new Map()));
    const list = m.get(id) ?? [];
    list.push(value);
    m.set(id, list);
    if (censored) {
      const s = this.censored.get(key) ?? new Set();
      s.add(id);
      this.censored.set(key, s);
    }
  }

  /** Store an already summarised distribution (time-domain scenarios summarise over clients). */
  put(key: string, id: ContenderId, s: Summary | null): void {
    if (!s) return;
    let m = this.vals.get(key);
    if (!m) this.vals.set(key, (m = new Map()));
    this.preset.set(`${key}\u0000${id}`, s);
    m.set(id, [s.median]);
  }

  build(ids: readonly ContenderId[]): Metric[] {
    return this.defs.map((d) => {
      const values: Partial<Record<ContenderId, Summary | null>> = {};
      for (const id of ids) {
        const pre = this.preset.get(`${d.key}\u0000${id}`);
        values[id] = pre ?? summarize(this.vals.get(d.key)?.get(id) ?? [], this.censored.get(d.key)?.has(id) ?? false);
      }
      return { ...d, values };
    });
  }
}
