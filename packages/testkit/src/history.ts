// Jepsen-style recorded histories of a client/server run, and the offline checker that judges them.

/** Client to server: the application called `client.send` with this id. */
export interface C2sSend {
  readonly t: number;
  readonly dir: 'c2s';
  readonly kind: 'send';
  readonly id: string;
}
/** Client to server: the send promise resolved (the server acknowledged it). */
export interface C2sAck {
  readonly t: number;
  readonly dir: 'c2s';
  readonly kind: 'ack';
  readonly id: string;
}
/** Client to server: the send promise rejected; reported to the app, so allowed. */
export interface C2sFail {
  readonly t: number;
  readonly dir: 'c2s';
  readonly kind: 'fail';
  readonly id: string;
  readonly reason: string;
}
/** Client to server: the server application received the message, in server session `session`. */
export interface C2sDeliver {
  readonly t: number;
  readonly dir: 'c2s';
  readonly kind: 'deliver';
  readonly id: string;
  readonly session: string;
}
/** Server to client: the server application sent the message in session `session`. */
export interface S2cSend {
  readonly t: number;
  readonly dir: 's2c';
  readonly kind: 'send';
  readonly id: string;
  readonly session: string;
}
/** Server to client: the client application received the message while in session `session`. */
export interface S2cDeliver {
  readonly t: number;
  readonly dir: 's2c';
  readonly kind: 'deliver';
  readonly id: string;
  readonly session: string;
}
/**
 * A session handshake result. `side: 'client'` is every welcome the client application saw;
 * `side: 'server'` (optional) is the server creating or resuming a session, which lets the checker
 * place sessions the client never heard of (their welcome was lost).
 */
export interface SessionEvent {
  readonly t: number;
  readonly kind: 'session';
  readonly side: 'client' | 'server';
  readonly session: string;
  readonly resumed: boolean;
  readonly reason?: string;
}
/** The fault injector started or stopped a fault. Informational. */
export interface NemesisEvent {
  readonly t: number;
  readonly kind: 'nemesis';
  readonly action: string;
  readonly fault?: string;
}

/** One entry of a recorded history. */
export type HistoryEvent = C2sSend | C2sAck | C2sFail | C2sDeliver | S2cSend | S2cDeliver | SessionEvent | NemesisEvent;

/** What {@link checkHistory} found. A history is valid iff lost, duplicated, reordered and unexpected are 0. */
export interface HistoryCheck {
  readonly valid: boolean;
  /** c2s: acked but never delivered. s2c: skipped in a session (silent gap), or never delivered in the client's final session. */
  readonly lost: number;
  /** Delivered more than once, with no `resumed: false` discontinuity in between. */
  readonly duplicated: number;
  /** Delivered out of send order within a session (or, c2s, across sessions of one continuity epoch). */
  readonly reordered: number;
  /** Delivered (or acked) but never sent, or delivered in a session it was not sent in. */
  readonly unexpected: number;
  /** Duplicates and undelivered messages explained by an explicit `resumed: false` discontinuity. Allowed, reported. */
  readonly exempt: number;
  /** One line per anomaly and per exemption. */
  readonly details: string[];
  /** Counts for the summary (not judged). */
  readonly stats: HistoryStats;
}

/** Volume counts of a history. */
export interface HistoryStats {
  readonly c2s: {
    readonly sent: number;
    readonly acked: number;
    readonly failed: number;
    readonly deliveries: number;
    /** Sent, neither acked nor failed, never delivered: the outcome is unknown (allowed). */
    readonly indeterminate: number;
    /** Failed (rejected) but delivered anyway (allowed, as a Jepsen "recovered" op). */
    readonly recovered: number;
  };
  readonly s2c: { readonly sent: number; readonly deliveries: number };
  /** Client welcomes seen, and how many of them were `resumed: false` after the first. */
  readonly sessions: { readonly welcomes: number; readonly discontinuities: number; readonly ids: number };
  readonly nemesis: number;
}

/** How many detail lines to keep per anomaly kind, so a broken run still prints readably. */
const DETAIL_LIMIT = 20;

class Tally {
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
class Epochs {
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

/**
 * Check a recorded history (in history order: see {@link mergeHistories}) for lost, duplicated,
 * reordered and unexpected messages, in both directions. Pure; the caller asserts on the counts.
 *
 * Client to server:
 * - lost: acked, never delivered.
 * - duplicated: an id delivered again, unless the two deliveries lie in different continuity epochs
 *   (a client welcome with `resumed: false` between them: the server's dedupe memory may have died),
 *   which counts as exempt.
 * - reordered: within one server session, deliveries out of send order; and first deliveries out of
 *   send order across the sessions of one epoch.
 * - unexpected: a delivery or ack of an id never sent.
 *
 * Server to client, per session: the client's deliveries must be exactly the server's sends of that
 * session, in order, without gaps or repeats. Sends never delivered are lost in the client's final
 * session, and exempt in a session the client left through a `resumed: false` welcome (or that it never
 * heard of, when a `resumed: false` welcome followed its creation).
 */
export function checkHistory(events: readonly HistoryEvent[]): HistoryCheck {
  const tally = new Tally();
  const epochs = new Epochs(events);
  const c2s = checkClientToServer(events, epochs, tally);
  const s2c = checkServerToClient(events, epochs, tally);
  const welcomes = events.filter((e): e is SessionEvent => e.kind === 'session' && e.side === 'client');
  const stats: HistoryStats = {
    c2s,
    s2c,
    sessions: {
      welcomes: welcomes.length,
      discontinuities: welcomes.filter((w, i) => !w.resumed && i > 0).length,
      ids: new Set(welcomes.map((w) => w.session)).size,
    },
    nemesis: events.filter((e) => e.kind === 'nemesis').length,
  };
  return {
    valid: tally.lost === 0 && tally.duplicated === 0 && tally.reordered === 0 && tally.unexpected === 0,
    lost: tally.lost,
    duplicated: tally.duplicated,
    reordered: tally.reordered,
    unexpected: tally.unexpected,
    exempt: tally.exempt,
    details: tally.details,
    stats,
  };
}

function checkClientToServer(events: readonly HistoryEvent[], epochs: Epochs, tally: Tally): HistoryStats['c2s'] {
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

function checkServerToClient(events: readonly HistoryEvent[], epochs: Epochs, tally: Tally): HistoryStats['s2c'] {
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

/**
 * Merge per-process histories into one history order: by `t`, ties broken by input order, and each
 * input keeps its own internal order even where its timestamps go backwards.
 */
export function mergeHistories(...histories: readonly (readonly HistoryEvent[])[]): HistoryEvent[] {
  const cursors = histories.map(() => 0);
  const out: HistoryEvent[] = [];
  for (;;) {
    let pick = -1;
    let best = Number.POSITIVE_INFINITY;
    histories.forEach((h, i) => {
      const e = h[cursors[i] ?? 0];
      if (e && (pick === -1 || e.t < best)) {
        pick = i;
        best = e.t;
      }
    });
    if (pick === -1) return out;
    const h = histories[pick];
    const cursor = cursors[pick] ?? 0;
    const e = h?.[cursor];
    if (!e) return out;
    out.push(e);
    cursors[pick] = cursor + 1;
  }
}

/** A one-paragraph human summary of a check, for test logs. */
export function formatHistoryCheck(check: HistoryCheck, label = 'history'): string {
  const { stats: s } = check;
  const head =
    `${label}: ${check.valid ? 'VALID' : 'INVALID'} lost=${check.lost} duplicated=${check.duplicated} ` +
    `reordered=${check.reordered} unexpected=${check.unexpected} exempt=${check.exempt} | ` +
    `c2s sent=${s.c2s.sent} acked=${s.c2s.acked} failed=${s.c2s.failed} delivered=${s.c2s.deliveries} ` +
    `indeterminate=${s.c2s.indeterminate} recovered=${s.c2s.recovered} | ` +
    `s2c sent=${s.s2c.sent} delivered=${s.s2c.deliveries} | ` +
    `welcomes=${s.sessions.welcomes} sessions=${s.sessions.ids} discontinuities=${s.sessions.discontinuities} nemesis=${s.nemesis}`;
  return check.details.length === 0 ? head : `${head}\n  ${check.details.join('\n  ')}`;
}
