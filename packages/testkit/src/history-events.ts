// The recorded history's vocabulary: its event types, the checker's verdict types, and merging per-process histories.

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
