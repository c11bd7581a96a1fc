// The presence seam: devices per identity in each channel and overall, last-seen times, and the in-memory default.

import type { IdentityPresence, PresenceMember } from '@lifeline/protocol';

/**
 * Where presence lives. A device is a session; an identity is present in a channel while any of its
 * devices is, and online while any of its devices is connected. The engine calls these once a
 * device's grace period is over (a device back within it never left), so the store holds no timers.
 * A Redis store keeps the same per channel and per identity, with expiry refreshed by the sweep.
 */
export interface PresenceStore {
  /** Device `device` of `identity` is in `channel`; resolves with the identity's devices there now. */
  join(channel: string, identity: string, device: string, now: number): Promise<number>;
  /**
   * Device `device`, away since `at`, left `channel`: unless it joined again after `at` (on another
   * node, within its grace period), when nothing changes. Resolves with the identity's devices there.
   */
  leave(channel: string, identity: string, device: string, at: number): Promise<number>;
  /** Who is in `channel`, at most `limit` identities. */
  members(channel: string, limit: number): Promise<PresenceMember[]>;
  /** Device `device` of `identity` is connected. */
  connect(identity: string, device: string, now: number): Promise<void>;
  /** Device `device` is gone, last seen at `at`: unless it connected again after `at` (on another node). */
  disconnect(identity: string, device: string, at: number): Promise<void>;
  /** `identity` overall: online, devices, and when last seen while offline. */
  status(identity: string, now: number): Promise<IdentityPresence>;
  /** Forget last-seen times past their age. Called on sweep ticks; optional. */
  sweep?(now: number): void;
}

/** Bounds of the last-seen times kept for offline identities. */
export interface LastSeenLimits {
  /** Most offline identities remembered; the longest offline are forgotten first. */
  readonly max: number;
  /** Milliseconds a last-seen time is kept. */
  readonly maxAge: number;
}

/** The default: presence of this process. */
export class InMemoryPresenceStore implements PresenceStore {
  /** Per channel, per identity: each device and when it (last) joined. */
  private readonly channels = new Map<string, Map<string, Map<string, number>>>();
  /** Per identity: each connected device and when it (last) connected. */
  private readonly online = new Map<string, Map<string, number>>();
  /** Offline identities by when they were last seen, oldest first (a Map keeps insertion order). */
  private readonly lastSeen = new Map<string, number>();

  constructor(private readonly limits: LastSeenLimits) {}

  join(channel: string, identity: string, device: string, now: number): Promise<number> {
    let members = this.channels.get(channel);
    if (!members) this.channels.set(channel, (members = new Map()));
    let devices = members.get(identity);
    if (!devices) members.set(identity, (devices = new Map()));
    devices.set(device, now);
    return Promise.resolve(devices.size);
  }

  leave(channel: string, identity: string, device: string, at: number): Promise<number> {
    const members = this.channels.get(channel);
    const devices = members?.get(identity);
    if (!members || !devices) return Promise.resolve(0);
    const joined = devices.get(device);
    if (joined === undefined || joined > at) return Promise.resolve(devices.size);
    devices.delete(device);
    if (devices.size === 0) members.delete(identity);
    if (members.size === 0) this.channels.delete(channel);
    return Promise.resolve(devices.size);
  }

  members(channel: string, limit: number): Promise<PresenceMember[]> {
    const out: PresenceMember[] = [];
    for (const [id, devices] of this.channels.get(channel) ?? []) {
      if (out.length >= limit) break;
      out.push({ id, devices: devices.size });
    }
    return Promise.resolve(out);
  }

  connect(identity: string, device: string, now: number): Promise<void> {
    let devices = this.online.get(identity);
    if (!devices) this.online.set(identity, (devices = new Map()));
    devices.set(device, now);
    this.lastSeen.delete(identity);
    return Promise.resolve();
  }

  disconnect(identity: string, device: string, at: number): Promise<void> {
    const devices = this.online.get(identity);
    const connected = devices?.get(device);
    if (!devices || connected === undefined || connected > at) return Promise.resolve();
    devices.delete(device);
    if (devices.size > 0) return Promise.resolve();
    this.online.delete(identity);
    this.lastSeen.delete(identity);
    this.lastSeen.set(identity, at);
    // Bounded: the identities offline the longest go first.
    for (const [oldest] of this.lastSeen) {
      if (this.lastSeen.size <= this.limits.max) break;
      this.lastSeen.delete(oldest);
    }
    return Promise.resolve();
  }

  status(identity: string, now: number): Promise<IdentityPresence> {
    const devices = this.online.get(identity)?.size ?? 0;
    if (devices > 0) return Promise.resolve({ online: true, devices });
    const seen = this.lastSeen.get(identity);
    return Promise.resolve(seen !== undefined && now - seen <= this.limits.maxAge ? { online: false, devices: 0, lastSeen: seen } : { online: false, devices: 0 });
  }

  sweep(now: number): void {
    for (const [identity, seen] of this.lastSeen) {
      if (now - seen <= this.limits.maxAge) break;
      this.lastSeen.delete(identity);
    }
  }
}
