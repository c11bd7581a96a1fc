// HTTP answers of the ws binding around the upgrade: path matching, refusals with a status, and plain HTTP requests.

import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Whether the request's path is exactly `path` (the query is ignored). */
export function pathMatches(url: string | undefined, path: string): boolean {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname === path;
  } catch {
    return false;
  }
}

/** Refuse an upgrade with an HTTP status (and headers such as Retry-After), then close the socket. */
export function rejectUpgrade(socket: Duplex, status: number, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  const body = STATUS_CODES[status] ?? 'Error';
  const lines = [
    `HTTP/1.1 ${status} ${body}`,
    'Connection: close',
    'Content-Type: text/plain',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** A plain HTTP request to a server Lifeline owns: 426 Upgrade Required. */
export function answerPlainHttp(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket', Connection: 'close' });
  res.end('Upgrade Required');
}

export function ignore(): void {}
