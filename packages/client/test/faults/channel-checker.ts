// The channel history checker: what a subscription handed the application, judged against what the
// server published. Pure: it reads two recorded lists and returns counts and human-readable details.
//
// The rules (the subscription's contract, client/src/subscription.ts):
// - Within an epoch the offsets the application receives grow by exactly 1: no duplicate, none
//   backwards, none skipped. A jump is allowed only as the first publication after a `subscribed`
//   that did not recover (recovered: false, or the first subscribe, which has no position): it must
//   then continue from that `subscribed`'s offset + 1.
// - A `subscribed` with recovered: true keeps the position: the next publication is the last one + 1.
// - An epoch change (a publication of an epoch the application was not told of) is only legal after a
//   `subscribed` of that epoch that did not recover; an epoch once left never comes back.
// - Every publication received is one the server published (same epoch, offset, n and pid).
// - Against the server's log: within a span (from one non-recovering `subscribed` to the next), every
//   publication after the span's starting offset up to its last one received must have been received;
//   publications after that are `skipped` (exempt: the next `subscribed` said recovered: false) unless
//   the span is the last one, where they are `lost` (the run drains before it is checked).

/** One event of the client's history, as the test recorded it. */
export type ChannelEvent =
  | {
      readonly kind: 'subscribed';
      readonly t: number;
      readonly epoch: string;
      readonly offset: number;
      readonly recovered?: boolean;
      readonly reason?: string;
    }
  | { readonly kind: 'pub'; readonly t: number; readonly epoch: string; readonly offset: number; readonly n: number; readonly pid: number };

/**
 * One publication of the server's log. `epoch`/`offset` are undefined for a publication whose
 * position was never logged (the server died between its `publish` line and its `published` line).
 */
export interface ServerPublication {
  readonly pid: number;
  readonly n: number;
  readonly epoch: string | undefined;
  readonly offset: number | undefined;
}

/** The verdict of {@link checkChannelHistory}. */
export interface ChannelCheck {
  readonly valid: boolean;
  /** Publications the application received. */
  readonly received: number;
  /** The same epoch/offset received again. */
  readonly duplicated: number;
  /** An offset lower than the last one received (and not a duplicate). */
  readonly reordered: number;
  /** An offset jump that no non-recovering `subscribed` announced. */
  readonly gaps: number;
  /** Publications of an epoch no `subscribed` announced, and epochs that came back. */
  readonly unannounced: number;
  /** `subscribed` events that break the contract (recovered: true across epochs or behind the position, a late one without a verdict). */
  readonly badSubscribed: number;
  /** Received but never published by the server (or with other data). */
  readonly unexpected: number;
  /** Published, owed to the application, never received. */
  readonly lost: number;
  /** Published, not received, and reported by a `subscribed` with recovered: false (exempt). */
  readonly skipped: number;
  /** The non-recovering `subscribed` events after the first one. */
  readonly notRecovered: readonly { readonly t: number; readonly reason: string | undefined; readonly epoch: string; readonly offset: number }[];
  /** Epochs in the order the application met them. */
  readonly epochs: readonly string[];
  readonly details: readonly string[];
}

interface Span {
  readonly epoch: string;
  /** The `subscribed` offset the span starts after. */
  readonly base: number;
  /** Offsets received in this span. */
  readonly offsets: Set<number>;
  max: number;
}

const MAX_DETAILS = 20;

/** Judge the client's `events` (in arrival order) against the server's `published` log. */
export function checkChannelHistory(events: readonly ChannelEvent[], published: readonly ServerPublication[]): ChannelCheck {
  const details: string[] = [];
  const note = (line: string) => {
    if (details.length < MAX_DETAILS) details.push(line);
    else if (details.length === MAX_DETAILS) details.push('… (more)');
  };
  let received = 0;
  let duplicated = 0;
  let reordered = 0;
  let gaps = 0;
  let unannounced = 0;
  let badSubscribed = 0;
  let unexpected = 0;
  const notRecovered: { t: number; reason: string | undefined; epoch: string; offset: number }[] = [];
  const epochs: string[] = [];

  const byPosition = new Map<string, ServerPublication>();
  const unpositioned = new Set<string>();
  const epochOfPid = new Map<number, string>();
  for (const p of published) {
    if (p.epoch !== undefined && p.offset !== undefined) {
      byPosition.set(`${p.epoch}:${p.offset}`, p);
      epochOfPid.set(p.pid, p.epoch);
    } else unpositioned.add(`${p.pid}:${p.n}`);
  }

  const seen = new Set<string>();
  const spans: Span[] = [];
  let span: Span | undefined;
  let epoch: string | undefined;
  let last = 0;
  let expected: number | undefined;
  let subscribes = 0;

  for (const e of events) {
    if (e.kind === 'subscribed') {
      subscribes++;
      if (e.recovered === true) {
        if (epoch === undefined || e.epoch !== epoch) {
          badSubscribed++;
          note(`bad subscribed: recovered: true at t=${e.t} in epoch ${e.epoch}, but the application was in ${epoch ?? '(none)'}`);
        } else if (e.offset < last) {
          badSubscribed++;
          note(`bad subscribed: recovered: true at t=${e.t} with the channel at ${e.offset}, behind the ${last} received`);
        }
        continue;
      }
      if (e.recovered === undefined && subscribes > 1) {
        badSubscribed++;
        note(`bad subscribed: #${subscribes} at t=${e.t} gives no recovery verdict (the client lost its position)`);
      }
      if (subscribes > 1) notRecovered.push({ t: e.t, reason: e.reason, epoch: e.epoch, offset: e.offset });
      if (e.epoch !== epoch) {
        if (epochs.includes(e.epoch)) {
          unannounced++;
          note(`epoch ${e.epoch} came back at t=${e.t}`);
        }
        epochs.push(e.epoch);
        epoch = e.epoch;
        last = 0;
      }
      expected = e.offset + 1;
      span = { epoch: e.epoch, base: e.offset, offsets: new Set(), max: e.offset };
      spans.push(span);
      continue;
    }

    received++;
    const key = `${e.epoch}:${e.offset}`;
    const source = byPosition.get(key);
    if (source) {
      if (source.n !== e.n || source.pid !== e.pid) {
        unexpected++;
        note(`unexpected: ${key} carried n=${e.n} pid=${e.pid}, the server published n=${source.n} pid=${source.pid} there`);
      }
    } else {
      const epochOfSender = epochOfPid.get(e.pid);
      const intent = unpositioned.has(`${e.pid}:${e.n}`) && (epochOfSender === undefined || epochOfSender === e.epoch);
      if (!intent) {
        unexpected++;
        note(`unexpected: ${key} (n=${e.n} pid=${e.pid}) was never published`);
      }
    }
    if (seen.has(key)) {
      duplicated++;
      note(`duplicated: ${key} received again at t=${e.t}`);
      continue;
    }
    seen.add(key);
    if (epoch === undefined || e.epoch !== epoch || !span || expected === undefined) {
      unannounced++;
      note(`unannounced: ${key} at t=${e.t}, but the last subscribed was in epoch ${epoch ?? '(none)'}`);
      continue;
    }
    if (e.offset < expected) {
      reordered++;
      note(`reordered: ${key} at t=${e.t} after offset ${last}`);
    } else if (e.offset > expected) {
      gaps++;
      note(`gap: ${key} at t=${e.t}, expected offset ${expected} (offsets ${expected}..${e.offset - 1} skipped with no recovered: false)`);
    }
    expected = Math.max(expected, e.offset + 1);
    last = Math.max(last, e.offset);
    span.offsets.add(e.offset);
    span.max = Math.max(span.max, e.offset);
  }

  // Coverage against the server's log.
  let lost = 0;
  let skipped = 0;
  const positioned = published.filter((p): p is ServerPublication & { epoch: string; offset: number } => p.epoch !== undefined && p.offset !== undefined);
  for (const [i, s] of spans.entries()) {
    const next = spans[i + 1];
    // Offsets beyond what this span received belong to the next span when it continues the epoch.
    const ceiling = next && next.epoch === s.epoch ? next.base : Infinity;
    const missing: number[] = [];
    const exempt: number[] = [];
    for (const p of positioned) {
      if (p.epoch !== s.epoch || p.offset <= s.base || p.offset > ceiling || s.offsets.has(p.offset)) continue;
      // A hole inside what the span received is lost; past its end it is exempt iff a discontinuity followed.
      if (p.offset < s.max || !next) missing.push(p.offset);
      else exempt.push(p.offset);
    }
    lost += missing.length;
    skipped += exempt.length;
    if (missing.length > 0) note(`lost: epoch ${s.epoch} offsets ${range(missing)} published, never received${next ? '' : ' (by the end of the run)'}`);
    if (exempt.length > 0) note(`exempt: epoch ${s.epoch} offsets ${range(exempt)} not received, reported by recovered: false (${next?.epoch === s.epoch ? 'same epoch' : 'epoch changed'})`);
  }

  const valid = duplicated + reordered + gaps + unannounced + badSubscribed + unexpected + lost === 0 && subscribes > 0;
  if (subscribes === 0) note('no subscribed event at all');
  return { valid, received, duplicated, reordered, gaps, unannounced, badSubscribed, unexpected, lost, skipped, notRecovered, epochs, details };
}

/** `3..7, 9` from [3, 4, 5, 6, 7, 9]. */
function range(offsets: readonly number[]): string {
  const sorted = [...offsets].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = sorted[0];
  let prev = start;
  for (const o of sorted.slice(1).concat([NaN])) {
    if (prev !== undefined && o === prev + 1) {
      prev = o;
      continue;
    }
    if (start !== undefined && prev !== undefined) parts.push(start === prev ? `${start}` : `${start}..${prev}`);
    start = o;
    prev = o;
  }
  return parts.join(', ');
}

/** One line for a test message. */
export function formatChannelCheck(check: ChannelCheck, name: string): string {
  const head =
    `${name}: ${check.valid ? 'valid' : 'INVALID'} received=${check.received} duplicated=${check.duplicated} reordered=${check.reordered} ` +
    `gaps=${check.gaps} unannounced=${check.unannounced} bad-subscribed=${check.badSubscribed} unexpected=${check.unexpected} ` +
    `lost=${check.lost} skipped=${check.skipped} not-recovered=${check.notRecovered.map((r) => r.reason ?? '?').join(',') || 'none'} epochs=${check.epochs.length}`;
  return check.details.length > 0 ? `${head}\n  ${check.details.join('\n  ')}` : head;
}
