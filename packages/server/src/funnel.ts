// The one idempotent close funnel: binds connections to sessions, writes raw frames, closes, terminates, ends sessions.

import { CloseCode, encode } from '@lifeline/protocol';
import type { EngineEvents } from './api.js';
import type { SessionsByIdentity } from './by-identity.js';
import type { Clock } from './clock.js';
import type { ConnState, Connection } from './connection.js';
import type { Counters } from './counters.js';
import type { Emitter } from './emitter.js';
import { SendError, type SessionEndReason, type SessionState } from './session.js';
import type { SessionStore } from './store.js';

/** What the funnel needs from the engine. */
export interface FunnelDeps {
  readonly clock: Pick<Clock, 'now'>;
  readonly store: SessionStore<ConnState>;
  readonly byIdentity: Pick<SessionsByIdentity<ConnState>, 'delete'>;
  readonly counters: Pick<Counters, 'sessionsEnded'>;
  readonly events: Pick<Emitter<EngineEvents>, 'emit'>;
  /** Route an unexpected error to the engine's `error` event. */
  report(error: unknown, context: string): void;
}

/**
 * Every path that writes a frame, ends a connection or ends a session goes through here, so each
 * happens once: a second close, a write after close, a second end are no-ops.
 */
export class Funnel {
  constructor(private readonly deps: FunnelDeps) {}

  /**
   * Write one frame with no outbound check (callers that want the slow-consumer check run it when
   * this returns true). Nothing is written once closing; a failed send terminates the connection.
   */
  write(c: ConnState, text: string): boolean {
    if (!c.writable) return false;
    try {
      c.transport.send(text);
    } catch (error) {
      this.deps.report(error, 'transport send failed');
      this.terminate(c, 'send failed');
      return false;
    }
    return true;
  }

  /** Turn away a transport the engine did not admit: `goaway{retryAfter}`, then close (or terminate). */
  refuse(transport: Connection, code: number, reason: string, retryAfter: number): void {
    try {
      transport.send(encode({ t: 'goaway', code, reason, retryAfter }));
      transport.close(code, reason);
    } catch {
      try {
        transport.terminate();
      } catch (error) {
        this.deps.report(error, 'transport terminate failed');
      }
    }
  }

  /** The close funnel: idempotent; optionally preceded by `goaway{retryAfter}`. The session is kept. */
  closeConn(c: ConnState, code: number, text: string, goawayRetryAfter?: number): void {
    if (!c.writable) return;
    const reason = closeReason(text);
    if (goawayRetryAfter !== undefined) this.write(c, encode({ t: 'goaway', code, reason, retryAfter: goawayRetryAfter }));
    if (!c.writable) return;
    const sessionId = this.detach(c);
    c.closingAt = this.deps.clock.now();
    c.transition('closing', reason);
    try {
      c.transport.close(code, reason);
    } catch (error) {
      this.deps.report(error, 'transport close failed');
      this.terminate(c, 'close failed');
    }
    this.deps.events.emit('disconnect', { connectionId: c.id, ...(sessionId !== undefined ? { sessionId } : {}), code, reason, by: 'server' });
  }

  /** Drop a connection without a close handshake. */
  terminate(c: ConnState, reason: string): void {
    if (c.phase === 'closed') return;
    const announce = c.writable;
    const sessionId = this.detach(c);
    c.transition('closed', reason);
    try {
      c.transport.terminate();
    } catch (error) {
      this.deps.report(error, 'transport terminate failed');
    }
    if (announce) this.deps.events.emit('disconnect', { connectionId: c.id, ...(sessionId !== undefined ? { sessionId } : {}), code: CloseCode.Abnormal, reason, by: 'server' });
  }

  /** The transport reports its end (the peer closed, or our close or terminate completed). */
  transportClosed(c: ConnState, code: number, reason: string): void {
    if (c.phase === 'closed') return;
    const announce = c.writable;
    const sessionId = this.detach(c);
    c.transition('closed', 'transport closed');
    if (announce) this.deps.events.emit('disconnect', { connectionId: c.id, ...(sessionId !== undefined ? { sessionId } : {}), code, reason, by: 'client' });
  }

  /** Bind a connection to its session and open it (the caller sends `welcome` next). */
  attach(c: ConnState, s: SessionState<ConnState>): void {
    c.session = s;
    s.connection = c;
    s.detachedAt = undefined;
    c.lastPingAt = this.deps.clock.now();
    c.transition('open', 'welcome');
  }

  /** End a session for good: forget it, close its connection, reject its pending sends. Idempotent. */
  endSession(s: SessionState<ConnState>, reason: SessionEndReason, code: number = CloseCode.Normal, text: string = reason): void {
    if (s.ended) return;
    s.ended = true;
    const c = s.connection;
    const { store } = this.deps;
    if (store.get(s.id) === s) store.delete(s.id);
    this.deps.byIdentity.delete(s);
    this.deps.counters.sessionsEnded++;
    if (c) this.closeConn(c, code, text);
    s.buffer.rejectAll(new SendError(reason === 'overflow' ? 'overflow' : 'session-ended', `session ended: ${reason}`));
    this.deps.events.emit('sessionclose', s, reason);
  }

  /** Unbind a connection from its session; the session starts its resume window. */
  private detach(c: ConnState): string | undefined {
    const s = c.session;
    if (!s) return undefined;
    c.session = undefined;
    if (s.connection === c) {
      s.connection = undefined;
      s.detachedAt = this.deps.clock.now();
    }
    return s.id;
  }
}

/** A close reason fits 123 bytes of UTF-8 (RFC 6455); longer ones are cut, never thrown on. */
function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= 123) return text;
  let cut = text.slice(0, 123);
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
  return cut;
}
