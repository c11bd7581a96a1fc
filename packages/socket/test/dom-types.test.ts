// Compile-time checks (root tsconfig, DOM lib) that LifelineSocket is a drop-in for lib.dom's WebSocket, types included.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { LifelineSocket, type SocketCloseEvent, type SocketMessageEvent } from '@lifeline/socket';

type IsAny<T> = 0 extends 1 & T ? true : false;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// `e.data` is typed as lib.dom types it: `any`, so `JSON.parse(e.data)` compiles as it does for WebSocket.
export const dataIsAny: IsAny<SocketMessageEvent['data']> = true;
export const domDataIsAny: IsAny<MessageEvent['data']> = true;
export const closeFields: Equal<Pick<SocketCloseEvent, 'code' | 'reason' | 'wasClean'>, Pick<CloseEvent, 'code' | 'reason' | 'wasClean'>> = true;
export const constants: Equal<[typeof LifelineSocket.OPEN, LifelineSocket['CLOSED']], [typeof WebSocket.OPEN, WebSocket['CLOSED']]> = true;

/** Code written for lib.dom's WebSocket, unchanged; never called, it only has to type-check. */
export function writtenForWebSocket(ws: WebSocket): void {
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (e) => console.log(JSON.parse(e.data), e.origin);
  ws.onclose = function (e) {
    console.log(this.url, e.code, e.reason, e.wasClean);
  };
  ws.addEventListener('message', (e) => console.log(e.data.byteLength), { once: true });
  ws.addEventListener('close', { handleEvent: (e: Event) => console.log(e.type) }, { signal: new AbortController().signal });
  if (ws.readyState === WebSocket.OPEN) ws.send(new Uint8Array([1]));
  ws.dispatchEvent(new Event('open'));
}

/** A LifelineSocket goes wherever a WebSocket (or its constructor) is expected; never called. */
export function passedAsWebSocket(url: string): WebSocket[] {
  const socket = new LifelineSocket(url);
  writtenForWebSocket(socket);
  const Ctor: typeof WebSocket = LifelineSocket;
  window.WebSocket = LifelineSocket;
  const fromUrl = new LifelineSocket(new URL(url), ['chat']);
  return [socket, new Ctor(url), fromUrl];
}

/** The same code against LifelineSocket's own types, and what must not compile; never called. */
export function lifelineTyped(socket: LifelineSocket): void {
  socket.onmessage = (e) => console.log(JSON.parse(e.data), e.origin);
  socket.onopen = function (e) {
    console.log(this.url, this.readyState === this.OPEN, e.type); // `this`: the socket, as WebSocket types it
  };
  socket.addEventListener('statechange', (e) => console.log(e.from, e.to, e.reason));
  socket.addEventListener('custom-event', (e) => console.log(e.type));
  socket.on('close', (e) => console.log(e.code));
  // @ts-expect-error binaryType takes the WebSocket API's values only, as lib.dom's does
  socket.binaryType = 'nonsense';
  // @ts-expect-error readyState is read-only
  socket.readyState = 1;
  // @ts-expect-error the readyState constants are read-only
  LifelineSocket.OPEN = 2;
  // @ts-expect-error message data is not a close code
  socket.on('message', (e) => console.log(e.code));
  // @ts-expect-error reconnecting-websocket's option names are refused (here by the compiler, at runtime with a TypeError)
  new LifelineSocket('ws://x/', [], { maxRetries: 3 });
  // @ts-expect-error a URL is required
  new LifelineSocket();
}

it('LifelineSocket is assignable to lib.dom WebSocket, with e.data typed as lib.dom types it (checked by tsc)', () => {
  assert.equal(typeof passedAsWebSocket, 'function');
  assert.equal(dataIsAny && domDataIsAny && closeFields && constants, true);
});
