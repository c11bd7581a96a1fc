// Jepsen-style recorded histories of a client/server run, and the offline checker that judges them.

import { checkClientToServer, checkServerToClient, Epochs, Tally } from './history-checkers.js';
import type { HistoryCheck, HistoryEvent, HistoryStats, SessionEvent } from './history-events.js';

export type {
  C2sAck,
  C2sDeliver,
  C2sFail,
  C2sSend,
  HistoryCheck,
  HistoryEvent,
  HistoryStats,
  NemesisEvent,
  S2cDeliver,
  S2cSend,
  SessionEvent,
} from './history-events.js';
export { mergeHistories } from './history-events.js';

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
