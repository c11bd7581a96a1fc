// One upgraded ws socket as the engine's Connection: frames built and written once per fan-out on sockets this binding upgraded, ws's own sender otherwise.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { SessionEngine } from '../api.js';
import type { Connection } from '../connection.js';
import type { RequestInfo } from '../options.js';
import { sharedTextFrame } from './frames.js';
import { ignore } from './upgrade.js';

/**
 * Wire one ws socket to the engine. `socket` is the one this binding upgraded (and handed to ws);
 * undefined when attached to someone else's WebSocketServer.
 */
export function bindSocket(engine: SessionEngine, ws: WebSocket, req: IncomingMessage, remoteAddress: string | undefined, socket?: Duplex): void {
  // ws closes the socket itself after an error (1009 too big, 1002, 1007...): the error only annotates.
  ws.on('error', ignore);
  const transport: Connection = socket !== undefined && ws.extensions === '' ? new DirectConnection(ws, socket) : new WsConnection(ws);
  const request: RequestInfo = { headers: req.headers, url: req.url ?? '/', ...(remoteAddress !== undefined ? { remoteAddress } : {}) };
  const handle = engine.accept(transport, request);
  ws.on('message', (data: RawData, isBinary: boolean) => handle.receive(toBytes(data), isBinary));
  ws.on('close', (code: number, reason: Buffer) => handle.closed(code, reason.toString('utf8')));
}

/** WebSocket.OPEN. */
const OPEN = 1;

/**
 * A ws socket as the engine's Connection (a class, not closures: a fan-out touches one small object
 * per subscriber on its way to the socket).
 */
class WsConnection implements Connection {
  constructor(protected readonly ws: WebSocket) {}

  send(text: string): void {
    this.ws.send(text);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}

/**
 * A socket this binding upgraded, with no extension negotiated (our server offers none): ws then
 * writes every frame to `socket` at once, in call order (its sender queues only while compressing or
 * reading a Blob, neither of which happens here). So while ws is open, a text frame built here and
 * written to the same socket goes out exactly as `ws.send` would send it, in one write instead of
 * ws's header and payload, and framed once for a fan-out; and ws's bufferedAmount is the socket's
 * writableLength (its sender holds bytes only while queueing, or after close). Not open (closing,
 * closed): ws decides, as for any send after close.
 */
class DirectConnection extends WsConnection {
  constructor(
    ws: WebSocket,
    private readonly socket: Duplex,
  ) {
    super(ws);
  }

  override send(text: string): void {
    if (this.ws.readyState === OPEN) this.socket.write(sharedTextFrame(text));
    else this.ws.send(text);
  }

  override get bufferedAmount(): number {
    return this.ws.readyState === OPEN ? this.socket.writableLength : this.ws.bufferedAmount;
  }
}
function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
