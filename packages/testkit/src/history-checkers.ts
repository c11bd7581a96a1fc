// The per-direction anomaly checkers behind checkHistory, with their shared tally and continuity epochs.

import type { C2sDeliver, HistoryEvent, HistoryStats, S2cDeliver, S2cSend } from './history-events.js';

/** How many detail lines to keep per anomaly kind, so a broken run still prints readably. */
const DETAIL_LIMIT = 20;

export class Tally {
  lost = 0;
  duplicated = 0;
  reordered = 0;
  unexpected = 0;
  exempt = 0;
  readonly details: string[] = [];
  private readonly shown = new Map<string, number>();

  add(kind: 'lost' | 'duplicated' | 'reordered' | 'unexpected' | 'exempt', detail: string): void {
    this[kind]++;
    const shown = this.shown.get(kind) ?? 0;
    this.shown.set(kind, shown + 1);
    if (shown < DETAIL_LIMIT) this.details.push(`${kind}: ${detail}`);
    else if (shown === DETAIL_LIMIT) this.details.push(`${kind}: … (further ${kind} details omitted)`);
  }
}

/**
 * Continuity epochs of the client's timeline. Every client welcome with `resumed: false` starts a new
 * epoch; a session id belongs to the epoch in which the client first saw it. Sessions the client never
 * saw are placed by history position (the number of `resumed: false` client welcomes before their first
 * event), which is why histories should be merged in time order (see {@link mergeHistories}).
 */
export class Epochs {
  private readonly bySession = new Map<string, number>();
  private readonly firstPosition = new Map<string, number>();
  /** The client's `resumed: false` welcomes, in order; `breaks[k]` starts epoch `k + 1`. */
  private readonly breaks: { position: number; t: number; session: string }[] = [];
  /** The session of the client's last welcome: it must be complete after the final heal and drain. */
  readonly final: string | undefined;

  constructor(events: readonly HistoryEvent[]) {
    let epoch = 0;
    let final: string | undefined;
    events.forEach((e, position) => {
      if ('session' in e && !this.firstPosition.has(e.session)) this.firstPosition.set(e.session, position);
      if (e.kind !== 'session' || e.side !== 'client') return;
      final = e.session;
      if (!e.resumed) {
        epoch++;
        this.breaks.push({ position, t: e.t, session: e.session });
      }
      if (!this.bySession.has(e.session)) this.bySession.set(e.session, epoch);
    });
    this.final = final;
  }

  /** Whether the client ever saw a welcome for `session`. */
  known(session: string): boolean {
    return this.bySession.has(session);
  }

  of(session: string): number {
    const known = this.bySession.get(session);
    if (known !== undefined) return known;
    const position = this.firstPosition.get(session) ?? Number.POSITIVE_INFINITY;
    return this.breaks.filter((b) => b.position < position).length;
  }

  /** The `resumed: false` client welcome that ended the epoch of `session` (the client left it), if any. */
  leftBy(session: string): { session: string } | undefined {
    const epoch = this.bySession.get(session);
    return epoch === undefined ? undefined : this.breaks[epoch];
  }

  /** A `resumed: false` client welcome into another session at or after time `t`, if any. */
  breakAfter(t: number, session: string): { session: string } | undefined {
    return this.breaks.find((b) => b.t >= t && b.session !== session);
  }
}

export function checkClientToServer(events: readonly HistoryEvent[], epochs: Epochs, tally: Tally): HistoryStats['c2s'] {
  const order = new Map<string, number>();
  const acked = new Set<string>();
  const failed = new Set<string>();
  const delivered = new Map<string, C2sDeliver[]>();
  let deliveries = 0;

  for (const e of events) {
    if (!('dir' in e) || e.dir !== 'c2s') continue;
    switch (e.kind) {
      case 'send':
        if (order.has(e.id)) tally.add('unexpected', `c2s ${e.id} sent twice by the application (harness bug?)`);
        else order.set(e.id, order.size);
        break;
      case 'ack':
        if (!order.has(e.id)) tally.add('unexpected', `c2s ${e.id} acked but never sent`);
        acked.add(e.id);
        break;
      case 'fail':
        failed.add(e.id);
        break;
      case 'deliver': {
        deliveries++;
        const list = delivered.get(e.id) ?? [];
        list.push(e);
        delivered.set(e.id, list);
        break;
      }
    }
  }

  // Per-delivery checks, in history order. First deliveries must follow send order across the whole
  // epoch (which covers each of its sessions); exempt re-deliveries must still fit their session's order.
  const sessionMax = new Map<string, { index: number; id: string }>();
  let epochMax: { index: number; id: string; epoch: number } | undefined;
  /** The latest delivery of each id: a re-delivery is exempt only across a boundary since that one. */
  const latest = new Map<string, C2sDeliver>();
  for (const e of events) {
    if (!('dir' in e) || e.dir !== 'c2s' || e.kind !== 'deliver') continue;
    const index = order.get(e.id);
    if (index === undefined) {
      tally.add('unexpected', `c2s ${e.id} delivered in session ${e.session} but never sent`);
      continue;
    }
    const epoch = epochs.of(e.session);
    const max = sessionMax.get(e.session);
    if (!max || index > max.index) sessionMax.set(e.session, { index, id: e.id });
    const previous = latest.get(e.id);
    latest.set(e.id, e);
    if (!previous) {
      if (epochMax && epochMax.epoch === epoch && index < epochMax.index) {
        tally.add('reordered', `c2s ${e.id} first delivered (session ${e.session}) after ${epochMax.id}, which was sent later`);
      }
      if (!epochMax || epochMax.epoch !== epoch || index > epochMax.index) epochMax = { index, id: e.id, epoch };
      continue;
    }
    if (epoch <= epochs.of(previous.session)) {
      tally.add('duplicated', `c2s ${e.id} delivered again in session ${e.session} (before in ${previous.session}, no resumed:false between)`);
      continue;
    }
    tally.add('exempt', `c2s ${e.id} delivered again in session ${e.session} after a resumed:false discontinuity (before in ${previous.session})`);
    if (max && index < max.index) {
      tally.add('reordered', `c2s ${e.id} re-delivered in session ${e.session} after ${max.id}, which was sent later`);
    }
  }

  let indeterminate = 0;
  let recovered = 0;
  for (const id of order.keys()) {
    const got = delivered.has(id);
    if (acked.has(id) && !got) tally.add('lost', `c2s ${id} acked but never delivered`);
    if (failed.has(id) && got) recovered++;
    if (!acked.has(id) && !failed.has(id) && !got) indeterminate++;
  }
  return { sent: order.size, acked: acked.size, failed: failed.size, deliveries, indeterminate, recovered };
}

export function checkServerToClient(events: readonly HistoryEvent[], epochs: Epochs, tally: Tally): HistoryStats['s2c'] {
  const sends = new Map<string, S2cSend[]>();
  const sentIn = new Map<string, string>();
  const delivers = new Map<string, S2cDeliver[]>();
  const created = new Map<string, number>();
  let sent = 0;
  let deliveries = 0;
  for (const e of events) {
    if (e.kind === 'session' && e.side === 'server' && !created.has(e.session)) created.set(e.session, e.t);
    if (!('dir' in e) || e.dir !== 's2c') continue;
    if (e.kind === 'send') {
      sent++;
      if (sentIn.has(e.id)) tally.add('unexpected', `s2c ${e.id} sent twice by the server application (harness bug?)`);
      else sentIn.set(e.id, e.session);
      push(sends, e.session, e);
    } else {
      deliveries++;
      push(delivers, e.session, e);
    }
  }

  const final = epochs.final;
  const sessions = new Set([...sends.keys(), ...delivers.keys()]);
  for (const session of sessions) {
    const out = sends.get(session) ?? [];
    const position = new Map(out.map((s, i) => [s.id, i]));
    const got = new Set<string>();
    const skipped = new Set<string>();
    let next = 0;
    for (const d of delivers.get(session) ?? []) {
      const index = position.get(d.id);
      if (index === undefined) {
        const other = sentIn.get(d.id);
        tally.add(
          'unexpected',
          other === undefined
            ? `s2c ${d.id} delivered in session ${session} but never sent`
            : `s2c ${d.id} delivered in session ${session} but sent in session ${other}`,
        );
        continue;
      }
      if (got.has(d.id)) {
        tally.add('duplicated', `s2c ${d.id} delivered twice in session ${session}`);
        continue;
      }
      got.add(d.id);
      if (index === next) {
        next++;
      } else if (index > next) {
        for (let i = next; i < index; i++) skipped.add(out[i]?.id ?? '');
        next = index + 1;
      } else {
        skipped.delete(d.id);
        tally.add('reordered', `s2c ${d.id} delivered in session ${session} after later sends`);
      }
    }
    for (const id of skipped) tally.add('lost', `s2c ${id} skipped in session ${session} (silent gap)`);
    const tail = out.slice(next).filter((s) => !got.has(s.id));
    if (tail.length === 0) continue;
    const range = `${tail[0]?.id ?? ''}..${tail[tail.length - 1]?.id ?? ''}`;
    if (session === final) {
      for (const s of tail) tally.add('lost', `s2c ${s.id} sent in the final session ${session} but never delivered`);
      continue;
    }
    const left = epochs.known(session) ? epochs.leftBy(session) : undefined;
    const orphanBreak = epochs.known(session)
      ? undefined
      : epochs.breakAfter(created.get(session) ?? out[0]?.t ?? Number.POSITIVE_INFINITY, session);
    const by = left ?? orphanBreak;
    if (by) {
      const why = left ? 'the client left it for a' : 'the client never saw it; then a';
      tally.exempt += tail.length;
      tally.details.push(
        `exempt: s2c ${tail.length} undelivered sends (${range}) of session ${session}: ${why} resumed:false welcome into ${by.session}`,
      );
    } else {
      for (const s of tail) tally.add('lost', `s2c ${s.id} sent in session ${session}, never delivered, no resumed:false after it`);
    }
  }
  return { sent, deliveries };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
