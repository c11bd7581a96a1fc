// The bounded queue of messages sent while no link is open, flushed in order on the next open.

import { utf8ByteLength } from '@lifeline/core';
import type { ResolvedOutbox } from './options.js';
import { OutboxOverflowError } from './errors.js';
import { ReadyState, type SendData, type WebSocketLike } from './transport.js';

/** Size of a message on the wire: UTF-8 bytes of a string, `byteLength` of binary, `size` of a Blob. */
export function byteLengthOf(data: SendData): number {
  if (typeof data === 'string') return utf8ByteLength(data);
  if ('byteLength' in data) return data.byteLength;
  return data.size;
}

interface Entry {
  readonly data: SendData;
  readonly bytes: number;
}

/** A FIFO bounded by message count and bytes. A message leaves it only once written. */
export class Outbox {
  private readonly queue: Entry[] = [];
  private totalBytes = 0;

  constructor(private readonly limits: ResolvedOutbox) {}

  /** Messages waiting. */
  get size(): number {
    return this.queue.length;
  }

  /** Bytes waiting. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Queue `data`, applying the overflow policy when it does not fit. */
  push(data: SendData): void {
    const bytes = byteLengthOf(data);
    if (this.fits(bytes)) return this.append({ data, bytes });
    const { onOverflow, maxMessages, maxBytes } = this.limits;
    if (typeof onOverflow === 'function') return onOverflow(data);
    if (onOverflow === 'drop-oldest' && maxMessages > 0 && bytes <= maxBytes) {
      while (!this.fits(bytes)) this.shift();
      return this.append({ data, bytes });
    }
    throw new OutboxOverflowError(
      data,
      `outbox full: ${this.queue.length}/${maxMessages} messages, ${this.totalBytes}+${bytes}/${maxBytes} bytes`,
    );
  }

  /**
   * Write queued messages in order while `write` accepts them. `write` returns false to stop (the
   * link is not writable); if it throws, the message stays queued and the error propagates.
   */
  flush(write: (data: SendData) => boolean): void {
    for (let head = this.queue[0]; head !== undefined; head = this.queue[0]) {
      if (!write(head.data)) return;
      this.shift();
    }
  }

  /** Write queued messages into `socket` in order while it stays OPEN; a throwing `send` propagates. */
  writeTo(socket: WebSocketLike): void {
    this.flush((data) => {
      if (socket.readyState !== ReadyState.OPEN) return false;
      socket.send(data);
      return true;
    });
  }

  private fits(bytes: number): boolean {
    return this.queue.length < this.limits.maxMessages && this.totalBytes + bytes <= this.limits.maxBytes;
  }

  private append(entry: Entry): void {
    this.queue.push(entry);
    this.totalBytes += entry.bytes;
  }

  private shift(): void {
    const entry = this.queue.shift();
    if (entry) this.totalBytes -= entry.bytes;
  }
}
