// close()'s ending: the peer's answer to the close frame (or a terminate after closeTimeout), or a failed connection.

import { TimerSlot } from '@lifeline/core';
import type { CloseInfo } from './emitter.js';
import { closeQuietly, destroy, detach } from './link.js';
import type { ResolvedOptions } from './options.js';
import type { WebSocketLike } from './transport.js';

/** What a {@link ClosingHandshake} reports to the socket. */
export interface ClosingHost {
  /** Dispatch the final `close`. */
  closed(close: CloseInfo): void;
  /** Dispatch the `error` that precedes the `close` of a connection that never opened. */
  failed(message: string): void;
}

/** The `close` of a connection that never opened, as the WebSocket API reports it. */
const FAILED: CloseInfo = { code: 1006, reason: '', wasClean: false };

/**
 * The end of the link `close()` shut down (the socket has already left the link slot); `readyState`
 * is CLOSING while it is pending, and it reports exactly one close:
 * - an open link: the close frame goes out and the peer's answer is reported (1005 when the frame
 *   carried no code), or 1006 when `closeTimeout` ms pass first or {@link ClosingHandshake.abort}
 *   cuts it short;
 * - no open link (connecting, reconnecting, offline): as the platform fails a connection closed
 *   before it was established, an `error` then a `close` with 1006, on a later task.
 */
export class ClosingHandshake {
  private socket: WebSocketLike | null = null;
  private failing = false;
  private readonly timer: TimerSlot;

  constructor(
    private readonly options: Pick<ResolvedOptions, 'clock' | 'closeTimeout'>,
    private readonly host: ClosingHost,
  ) {
    this.timer = new TimerSlot(options.clock);
  }

  /** Whether a close is under way (the socket's `readyState` is then CLOSING). */
  get pending(): boolean {
    return this.socket !== null || this.failing;
  }

  /** Send the close frame (without a status code when `code` is undefined) and wait for the answer. */
  start(socket: WebSocketLike, code: number | undefined, reason: string): void {
    this.socket = socket;
    socket.onclose = (event) =>
      this.finish(socket, { code: event.code ?? code ?? 1005, reason: event.reason ?? reason, wasClean: event.wasClean ?? true });
    this.timer.set(this.options.closeTimeout, () => {
      destroy(socket);
      this.finish(socket, FAILED);
    });
    closeQuietly(socket, code, reason);
  }

  /** No link was open: report the failed connection on a later task, as the platform does. */
  failConnection(): void {
    this.failing = true;
    this.timer.set(0, () => this.finishFailing());
  }

  /** Stop waiting: terminate the socket and report 1006 now. Returns whether a close was pending. */
  abort(): boolean {
    if (this.failing) {
      this.finishFailing();
      return true;
    }
    const socket = this.socket;
    if (!socket) return false;
    destroy(socket);
    this.finish(socket, FAILED);
    return true;
  }

  private finish(socket: WebSocketLike, close: CloseInfo): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.timer.clear();
    detach(socket);
    this.host.closed(close);
  }

  private finishFailing(): void {
    if (!this.failing) return;
    this.failing = false;
    this.timer.clear();
    this.host.failed('WebSocket is closed before the connection is established.');
    this.host.closed(FAILED);
  }
}
