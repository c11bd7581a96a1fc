// Compile-time checks that the platform sockets fit the transport seam, plus a runtime smoke of the real `ws` client type.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import type NodeWs from 'ws';
import type { WebSocketConstructor } from '@lifeline/socket';

/** Never called: it only has to type-check, for the DOM `WebSocket` and the `ws` client. */
export function acceptsPlatformSockets(dom: typeof WebSocket, node: typeof NodeWs): WebSocketConstructor[] {
  return [dom, node];
}

it('platform WebSocket constructors are assignable to WebSocketConstructor (checked by tsc)', () => {
  assert.equal(typeof acceptsPlatformSockets, 'function');
});
