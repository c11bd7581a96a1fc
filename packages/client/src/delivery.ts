// Both directions of a session on the client: the outbox of unacked sends, the exactly-once inbox, and the ack policy.

import { DEFAULT_MAX_PAYLOAD, MAX_KEY_LENGTH, ackFrame, decodeClientMessage, pingFrame, pongFrame, type ErrorCode, type Json, type ServerDataMessage, type WelcomeMessage } from '@lifeline/protocol';
import { LifelineError } from './errors.js';
import type { ServerMessageMeta } from './events.js';
import { Inbox } from './inbox.js';
import type { ResolvedClientOptions } from './options.js';
import { Outbox, encodeEntry, type MessageTarget, type OutboxEntry } from './outbox.js';

/** What delivery asks of the client around it. */
export interface DeliveryHost {
  /** Write one frame to the open link; false when it is not writable (the frame is not lost: its owner keeps it). */
  write(frame: string): boolean;
  /** Whether a session is established on the current link. */
  ready(): boolean;
  /** The generation of the current link, to notice a listener that replaced it. */
  link(): number;
  /** Hand a server message to the application. */
  deliver(data: Json, meta: ServerMessageMeta): void;
  /** The answer to RPC call `m.re` (delivered in order with the other messages, but not to the application). */
  answered(m: ServerDataMessage & { readonly re: string }): void;
}

/**
 * PROTOCOL.md §4 on the client. Sends are numbered, kept until a cumulative ack covers them (an
 * `ack`, or the `ack` a server `ping` or `pong` carries, or `welcome.lastSeq`) and resent after a
 * resume; server messages are delivered only in seq order, once. Acks go out without a timer: after
 * `ackEvery` deliveries, and on every `pong` and probe `ping`.
 */
export class Delivery {
  private readonly outbox: Outbox;
  private readonly inbox: Inbox;
  private maxPayload = DEFAULT_MAX_PAYLOAD;

  constructor(
    private readonly options: ResolvedClientOptions,
    private readonly host: DeliveryHost,
  ) {
    this.outbox = new Outbox(options);
    this.inbox = new Inbox(options.ackEvery);
  }

  /** The last server seq delivered in the current session (0 before any). */
  get lastSeq(): number {
    return this.inbox.lastSeq;
  }

  /** Messages waiting for the server's acknowledgement. */
  get outboxSize(): number {
    return this.outbox.size;
  }

  /** Number, encode, measure and check one outgoing message; throws what `send()` rejects with. */
  prepare(data: Json, appKey: string | undefined, target?: MessageTarget): OutboxEntry {
    const key = appKey ?? this.options.generateKey();
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new TypeError(`LifelineClient.send: a key must be a string of 1 to ${MAX_KEY_LENGTH} characters`);
    }
    const seq = this.outbox.nextSeq;
    let encoded: { frame: string; bytes: number };
    try {
      encoded = encodeEntry(seq, key, data, target);
    } catch (error) {
      throw new TypeError(`LifelineClient.send: data is not JSON-serialisable: ${describe(error)}`);
    }
    if (encoded.bytes > this.maxPayload) {
      throw new LifelineError('too-large', `message of ${encoded.bytes} bytes exceeds the server limit of ${this.maxPayload}`);
    }
    // Check what the server's decoder checks (JSON shape, depth, forbidden keys) and keep the parsed
    // copy: a renumbering after a fresh welcome must not see the application's later mutations.
    const checked = decodeClientMessage(encoded.frame, { maxLength: Number.MAX_SAFE_INTEGER });
    if (!checked.ok || checked.message.t !== 'msg') {
      const why = checked.ok ? 'not a message' : checked.error.message;
      throw new TypeError(`LifelineClient.send: the server would reject this message: ${why}`);
    }
    if (!this.outbox.fits(encoded.bytes)) {
      const { size, bytes } = this.outbox;
      throw new LifelineError('outbox-full', `outbox full: ${size} messages and ${bytes} bytes wait for acknowledgement`);
    }
    return { seq, key, data: checked.message.data, frame: encoded.frame, bytes: encoded.bytes, ...(target ? { target } : {}) };
  }

  /** Keep a prepared message until acked, writing it now when a session is ready. */
  add(entry: OutboxEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.outbox.add(entry, resolve, reject);
      if (this.host.ready()) this.host.write(entry.frame);
    });
  }

  /** A server `msg`: delivered when it is the next seq; replays and gaps are dropped (a gap is never acked past). */
  received(m: ServerDataMessage): void {
    if (this.inbox.classify(m.seq) !== 'deliver') return;
    const link = this.host.link();
    const ackDue = this.inbox.markDelivered(m.seq);
    if (m.re !== undefined) this.host.answered({ ...m, re: m.re });
    else this.host.deliver(m.data, { seq: m.seq });
    if (ackDue === undefined || link !== this.host.link() || !this.host.ready()) return;
    if (this.host.write(ackFrame(this.inbox.lastSeq))) this.inbox.ackedAll();
  }

  /** A cumulative ack from the server (an `ack`, or a `ping`/`pong` carrying one). */
  acked(seq: number): void {
    this.outbox.ack(seq);
  }

  /** Write a `ping` (a probe) or `pong` carrying our cumulative ack. */
  piggyback(t: 'ping' | 'pong'): boolean {
    const written = this.host.write(t === 'ping' ? pingFrame(this.inbox.lastSeq) : pongFrame(this.inbox.lastSeq));
    if (written) this.inbox.ackedAll();
    return written;
  }

  /** The server refused message `seq` for good (`code`): its send rejects when the ack covers it. */
  refused(seq: number, code: ErrorCode, message: string): void {
    this.outbox.refuse(seq, new LifelineError(code, message, { seq }));
  }

  /** A welcome: resume (drop what the server has) or start fresh (renumber, keys kept); adopt its limits. */
  welcome(w: WelcomeMessage): void {
    this.maxPayload = w.maxPayload;
    this.inbox.restart(!w.resumed);
    // Refusals whose `error` frame was lost with the last link: before lastSeq acks them.
    for (const r of w.refused ?? []) this.refused(r.seq, r.code, `message ${r.seq} refused: ${r.code}`);
    if (w.resumed) {
      // The server has everything up to its lastSeq; the rest goes again with the original seq.
      this.outbox.ack(w.lastSeq);
      return;
    }
    // A fresh session numbers from 1; the keys stay, so the server still deduplicates.
    this.outbox.renumber((bytes) =>
      bytes > w.maxPayload ? new LifelineError('too-large', `message of ${bytes} bytes exceeds the new server limit of ${w.maxPayload}`) : undefined,
    );
  }

  /** Resend every waiting message, in order (right after a welcome, before the application hears of it). */
  resend(): void {
    for (const entry of this.outbox.pending()) if (!this.host.write(entry.frame)) break;
  }

  /** Reject and drop every waiting message. */
  rejectAll(error: LifelineError): void {
    this.outbox.rejectAll(error);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
