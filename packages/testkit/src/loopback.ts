// An in-memory transport pair: a WebSocket constructor whose sockets are connections of a real session engine, for one-process contract tests.

import type { TransportCloseEvent, TransportErrorEvent, TransportHandler, TransportMessageEvent, WebSocketLike } from '@lifeline/socket';

/** The engine side the loopback connects to (a `SessionEngine`, structurally). */
export interface LoopbackTarget {
  accept(connection: LoopbackConnection, request: { headers: Record<string, string>; url: string; remoteAddress?: string }): LoopbackHandle;
}

/** What the engine's `accept()` returns (a `ConnectionHandle`, structurally). */
export interface LoopbackHandle {
  receive(data: string | Uint8Array, isBinary: boolean): void;
  closed(code: number, reason: string): void;
}

/** The server side of one link, as the engine sees it (a `Connection`, structurally). */
export interface LoopbackConnection {
  send(text: string): void;
  close(code: number, reason: string): void;
  terminate(): void;
  readonly bufferedAmount: number;
}

/** Which frames of a direction a filter lets through. */
export type FrameFilter = (frame: string) => boolean;

const SUBPROTOCOL = 'lifeline.v1';

/**
 * Both ends of every link live in this process. Frames cross on microtasks, in order per direction,
 * so the client and the engine each see the other only asynchronously, as over a network; nothing
 * uses a timer, so a FakeClock drives everything time-based. `cut()` drops every link as a network
 * loss would (1006 on both sides, frames in flight lost); `refusing` makes new links fail before they
 * open; filters drop chosen frames of one direction (a server that never sends `ack`, say).
 */
export class Loopback {
  /** Pass as `WebSocket` to a LifelineSocket or LifelineClient. */
  readonly WebSocket: new (url: string, protocols?: string | string[]) => WebSocketLike;
  /** Every socket made, in order. */
  readonly sockets: LoopbackSocket[] = [];
  /** New links fail before opening (a server that is down) while true. */
  refusing = false;
  /** Frames from the server that reach the client; others are dropped. */
  toClient: FrameFilter = () => true;
  /** Frames from the client that reach the server; others are dropped. */
  toServer: FrameFilter = () => true;

  constructor(public target: LoopbackTarget) {
    const loopback = this;
    this.WebSocket = class extends LoopbackSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(loopback, url, protocols);
        loopback.sockets.push(this);
      }
    };
  }

  /** The newest socket. */
  get last(): LoopbackSocket {
    const s = this.sockets[this.sockets.length - 1];
    if (!s) throw new Error('no socket was made');
    return s;
  }

  /** Drop every open link at once, as a network loss: both sides see 1006, frames in flight are lost. */
  cut(): void {
    for (const s of this.sockets) s.drop();
  }
}

/** The client side of one link. */
export class LoopbackSocket implements WebSocketLike {
  readyState = 0;
  protocol = '';
  extensions = '';
  bufferedAmount = 0;
  binaryType = 'blob';
  onopen: TransportHandler<unknown> | null = null;
  onmessage: TransportHandler<TransportMessageEvent> | null = null;
  onclose: TransportHandler<TransportCloseEvent> | null = null;
  onerror: TransportHandler<TransportErrorEvent> | null = null;
  private handle: LoopbackHandle | undefined;
  /** The network dropped the link: frames still in flight are lost (frames sent before a close are not). */
  private lost = false;
  /** Frames each side received, for assertions. */
  readonly fromServer: string[] = [];
  readonly fromClient: string[] = [];

  constructor(
    private readonly loopback: Loopback,
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    queueMicrotask(() => this.connect());
  }

  send(data: unknown): void {
    if (this.readyState !== 1) throw new Error(`LoopbackSocket.send in readyState ${this.readyState}`);
    if (typeof data !== 'string') throw new TypeError('LoopbackSocket carries text frames only');
    queueMicrotask(() => {
      if (this.lost || !this.handle || !this.loopback.toServer(data)) return;
      this.fromClient.push(data);
      this.handle.receive(data, false);
    });
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    const opened = this.readyState === 1;
    this.readyState = 2;
    queueMicrotask(() => {
      if (opened) this.handle?.closed(code, reason);
      this.finish(opened ? code : 1006, opened ? reason : '', opened);
    });
  }

  terminate(): void {
    this.drop();
  }

  /** The network dropped this link. */
  drop(): void {
    if (this.readyState === 3) return;
    const opened = this.readyState >= 1;
    this.readyState = 3;
    this.lost = true;
    queueMicrotask(() => {
      if (opened) this.handle?.closed(1006, '');
      this.onclose?.({ code: 1006, reason: '', wasClean: false });
    });
  }

  private connect(): void {
    if (this.readyState !== 0) return;
    if (this.loopback.refusing) {
      this.readyState = 3;
      this.onerror?.({ type: 'error', message: 'connection refused' });
      this.onclose?.({ code: 1006, reason: '', wasClean: false });
      return;
    }
    const offered = typeof this.protocols === 'string' ? [this.protocols] : (this.protocols ?? []);
    this.protocol = offered.includes(SUBPROTOCOL) ? SUBPROTOCOL : '';
    this.readyState = 1;
    this.handle = this.loopback.target.accept(this.serverSide(), { headers: {}, url: this.url, remoteAddress: '127.0.0.1' });
    if (this.readyState === 1) this.onopen?.({ type: 'open' });
  }

  private serverSide(): LoopbackConnection {
    return {
      send: (text) => {
        if (this.readyState !== 1) return; // as ws: a send after the close began is dropped, not thrown

        queueMicrotask(() => {
          if (this.lost || !this.loopback.toClient(text)) return;
          this.fromServer.push(text);
          this.onmessage?.({ data: text });
        });
      },
      close: (code, reason) => {
        if (this.readyState >= 2) return;
        this.readyState = 2;
        queueMicrotask(() => {
          this.handle?.closed(code, reason);
          this.finish(code, reason, true);
        });
      },
      terminate: () => this.drop(),
      bufferedAmount: 0,
    };
  }

  private finish(code: number, reason: string, wasClean: boolean): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean });
  }
}
