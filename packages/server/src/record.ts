// A session as plain, serializable data, and the changes a node makes to it: what a SessionStore keeps.

/** One server message the client has not acknowledged yet, as the exact frame that was (or will be) written. */
export interface UnackedFrame {
  readonly seq: number;
  /** The encoded `msg` frame. */
  readonly frame: string;
}

/**
 * Everything a node needs to resume a session it did not create: plain data, no connection, no
 * callbacks. Sequence counters follow PROTOCOL.md §4; times are on the engine's clock (ms).
 */
export interface SessionRecord {
  readonly id: string;
  /** Secret: never log it. */
  readonly token: string;
  /** The token the client resumed with last, still good until it shows it has `token`. Secret too. */
  readonly previousToken?: string;
  readonly identity: string;
  /** Highest server seq assigned; `unacked` ends with it. */
  readonly lastSent: number;
  /** Highest server seq the client acknowledged; `unacked` starts after it. */
  readonly acked: number;
  /** Highest client seq received, as acknowledged to the client. */
  readonly lastReceived: number;
  /** The node holding the session's live part (its connection, its pending `send()` promises). */
  readonly owner: string;
  /** When it lost its connection; absent while attached. */
  readonly detachedAt?: number;
  /** When a detached session may be forgotten (`detachedAt` + resume window); absent while attached. */
  readonly expiresAt?: number;
  /** Server messages after `acked`, in seq order. */
  readonly unacked: readonly UnackedFrame[];
}

/**
 * One change to a stored session. A store applies the changes of one `write` in order. Every change
 * but `create` and `attach` comes from the record's `owner`; a store ignores changes to a record that
 * another node has since attached (fencing), and changes to a record it does not hold.
 */
export type SessionChange =
  /** A new session, attached to the writing node. */
  | { readonly op: 'create'; readonly record: SessionRecord }
  /** Server messages assigned `seq` lastSent + 1, lastSent + 2, …: append them and advance `lastSent`. */
  | { readonly op: 'append'; readonly id: string; readonly frames: readonly UnackedFrame[] }
  /** The client acknowledged every server message up to `seq`: drop them, set `acked`. */
  | { readonly op: 'ack'; readonly id: string; readonly seq: number }
  /** Client messages up to `seq` were received: set `lastReceived`. */
  | { readonly op: 'receive'; readonly id: string; readonly seq: number }
  /** The writing node attached a connection (a resume, possibly taking the session over): it is the owner now. */
  | { readonly op: 'attach'; readonly id: string; readonly owner: string }
  /** A resume rotated the token (`previousToken` still good), or the client confirmed it (no `previousToken`). */
  | { readonly op: 'token'; readonly id: string; readonly token: string; readonly previousToken?: string }
  /** The connection left at `at`; the record may be forgotten at `expiresAt`. */
  | { readonly op: 'detach'; readonly id: string; readonly at: number; readonly expiresAt: number }
  /** The session ended for good. */
  | { readonly op: 'delete'; readonly id: string };
