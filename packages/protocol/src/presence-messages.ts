// Presence messages (PROTOCOL.md §9): a channel's members by identity, their joins and leaves, and their validators.

import type { Json } from './messages.js';
import { bad, isCount, isId, isRecord, isSeq, ok, type DecodeLimits, type Validator } from './validate.js';

/** One identity present in a channel, with how many of its devices (sessions) are. */
export interface PresenceMember {
  readonly id: string;
  readonly devices: number;
}

/** Server to client: who is present in `ch` now (after every subscribe to a channel with presence). */
export interface PresenceMessage {
  readonly t: 'presence';
  readonly ch: string;
  readonly members: readonly PresenceMember[];
}

/** Server to client: identity `id` came online in `ch` (its first device), or its device count changed. */
export interface JoinMessage {
  readonly t: 'join';
  readonly ch: string;
  readonly id: string;
  readonly devices: number;
}

/** Server to client: the last device of identity `id` left `ch` (past the grace period); `lastSeen` in ms since the epoch. */
export interface LeaveMessage {
  readonly t: 'leave';
  readonly ch: string;
  readonly id: string;
  readonly lastSeen: number;
}

export type ServerPresenceMessage = PresenceMessage | JoinMessage | LeaveMessage;

/** At most this many members in one snapshot frame. */
export const MAX_PRESENCE_MEMBERS = 10_000;

function member(value: unknown, limits: DecodeLimits): PresenceMember | undefined {
  if (!isRecord(value) || !isId(value.id, limits) || !isSeq(value.devices)) return undefined;
  return { id: value.id, devices: value.devices };
}

/** The presence messages a client accepts. */
export const SERVER_PRESENCE_VALIDATORS: {
  readonly presence: Validator<PresenceMessage>;
  readonly join: Validator<JoinMessage>;
  readonly leave: Validator<LeaveMessage>;
} = {
  presence(m, limits) {
    if (!isId(m.ch, limits)) return bad('presence.ch must be a non-empty string');
    if (!Array.isArray(m.members) || m.members.length > MAX_PRESENCE_MEMBERS) return bad('presence.members must be a list');
    const members: PresenceMember[] = [];
    for (const raw of m.members as unknown[]) {
      const one = member(raw, limits);
      if (!one) return bad('presence.members must be [{id, devices}]');
      members.push(one);
    }
    return ok({ t: 'presence', ch: m.ch, members });
  },
  join(m, limits) {
    if (!isId(m.ch, limits) || !isId(m.id, limits) || !isSeq(m.devices)) return bad('join must be {ch, id, devices}');
    return ok({ t: 'join', ch: m.ch, id: m.id, devices: m.devices });
  },
  leave(m, limits) {
    if (!isId(m.ch, limits) || !isId(m.id, limits) || !isCount(m.lastSeen)) return bad('leave must be {ch, id, lastSeen}');
    return ok({ t: 'leave', ch: m.ch, id: m.id, lastSeen: m.lastSeen });
  },
};

/** What the `$presence` RPC answers about one identity: online (any device), device count, last seen. */
export interface IdentityPresence {
  readonly online: boolean;
  readonly devices: number;
  /** When its last device left, in ms since the epoch; absent while online or when unknown. */
  readonly lastSeen?: number;
}

/** The reserved RPC method that asks for identities' presence: params `{ ids: string[] }`, result `{ [id]: IdentityPresence }`. */
export const PRESENCE_METHOD = '$presence';

/** Whether `value` is an {@link IdentityPresence} (for a client reading the `$presence` result). */
export function isIdentityPresence(value: Json | undefined): value is Json & IdentityPresence {
  if (!isRecord(value) || typeof value.online !== 'boolean' || !isCount(value.devices)) return false;
  return value.lastSeen === undefined || isCount(value.lastSeen);
}
