// An in-process fake transport: every socket the code under test creates is recorded and scriptable.

import type { SendData, TransportCloseEvent, TransportErrorEvent, TransportMessageEvent, WebSocketLike } from '@lifeline/socket';

/** One fake socket. The test drives it with `open()`, `receive()`, `error()` and `serverClose()`. */
export class FakeWebSocket implements WebSocketLike {
  readyState = 0;
  protocol = '';
  extensions = '';
  bufferedAmount = 0;
  binaryType = 'blob';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: TransportMessageEvent) => void) | null = null;
  onclose: ((event: TransportCloseEvent) => void) | null = null;
  onerror: ((event: TransportErrorEvent) => void) | null = null;
  /** Everything the code under test sent, in order. */
  readonly sent: SendData[] = [];
  /** Calls to close(), in order. */
  readonly closeCalls: Array<{ code?: number; reason?: string }> = [];
  terminated = false;

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {}

  send(data: SendData): void {
    if (this.readyState !== 1) throw new Error(`FakeWebSocket.send in readyState ${this.readyState}`);
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closeCalls.push({ code, reason });
    if (this.readyState < 2) this.readyState = 2;
  }

  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }

  // --- test controls ---------------------------------------------------------------------------

  /** The server accepted the connection. */
  open(protocol = ''): void {
    this.protocol = protocol;
    this.readyState = 1;
    this.onopen?.({ type: 'open' });
  }

  /** A message arrived from the server. */
  receive(data: unknown): void {
    this.onmessage?.({ data });
  }

  /** The platform reported an error (browsers follow it with a close). */
  error(message = 'fake error'): void {
    this.onerror?.({ message });
  }

  /** The connection closed (server close, network loss, or the end of our own close handshake). */
  serverClose(code = 1006, reason = '', wasClean = code !== 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean });
  }

  /** Text frames sent, as strings. */
  get sentText(): string[] {
    return this.sent.filter((d): d is string => typeof d === 'string');
  }
}

/**
 * A fake `WebSocket` constructor plus the list of sockets it made. Pass `transport.WebSocket` where
 * a constructor is expected; `transport.last` is the newest socket.
 */
export class FakeTransport {
  readonly sockets: FakeWebSocket[] = [];
  readonly WebSocket: new (url: string, protocols?: string | string[]) => FakeWebSocket;

  constructor() {
    const sockets = this.sockets;
    this.WebSocket = class extends FakeWebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    };
  }

  get last(): FakeWebSocket {
    const s = this.sockets[this.sockets.length - 1];
    if (!s) throw new Error('no socket was created');
    return s;
  }

  get count(): number {
    return this.sockets.length;
  }
}
