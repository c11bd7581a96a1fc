// close()'s polite ending: its argument check, then the peer's answer or a terminate after closeTimeout.

import type { CloseInfo } from './emitter.js';
import { closeQuietly, destroy, detach } from './link.js';
import type { ResolvedOptions } from './options.js';
import { utf8ByteLength } from '@lifeline/core';
import { TimerSlot } from '@lifeline/core';
import type { WebSocketLike } from './transport.js';

/**
 * Validate the arguments of `close()` as the WebSocket API does for application code.
 * @throws RangeError for a code other than 1000 or 3000–4999, or a reason over 123 UTF-8 bytes.
 */
export function checkCloseArguments(code: number, reason: string): void {
  if (code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
    throw new RangeError(`LifelineSocket.close: code must be 1000 or 3000-4999, got ${code}`);
  }
  if (utf8ByteLength(reason) > 123) throw new RangeError('LifelineSocket.close: reason is longer than 123 bytes');
}

/**
 * The closing handshake of the link `close()` shut down politely (the socket has already left the
 * link slot). Reports exactly one close: the peer's answer, or code 1006 when `closeTimeout` ms pass
 * first or {@link ClosingHandshake.abort} cuts it short.
 */
export class ClosingHandshake {
  private socket: WebSocketLike | null = null;
  private readonly timer: TimerSlot;

  constructor(
    private readonly options: Pick<ResolvedOptions, 'clock' | 'closeTimeout'>,
    private readonly closed: (close: CloseInfo) => void,
  ) {
    this.timer = new TimerSlot(options.clock);
  }

  /** Whether a handshake is under way (the socket's `readyState` is then CLOSING). */
  get pending(): boolean {
    return this.socket !== null;
  }

  /** Send the close frame and wait for the answer; `code` and `reason` fill in what the peer omits. */
  start(socket: WebSocketLike, code: number, reason: string): void {
    this.socket = socket;
    socket.onclose = (event) =>
      this.finish(socket, { code: event.code ?? code, reason: event.reason ?? reason, wasClean: event.wasClean ?? true });
    this.timer.set(this.options.closeTimeout, () => {
      destroy(socket);
      this.finish(socket, { code: 1006, reason: '', wasClean: false });
    });
    closeQuietly(socket, code, reason);
  }

  /** Stop waiting: terminate the socket and report 1006 now. Returns whether a handshake was pending. */
  abort(): boolean {
    const socket = this.socket;
    if (!socket) return false;
    destroy(socket);
    this.finish(socket, { code: 1006, reason: '', wasClean: false });
    return true;
  }

  private finish(socket: WebSocketLike, close: CloseInfo): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.timer.clear();
    detach(socket);
    this.closed(close);
  }
}
