// LL: the Lifeline session client and server (packages/client + packages/server), defaults.
//
// THE SEAM. Not wired yet: `probe()` reports unavailable, so every table prints "n/a" for LL.
// To enable it, fill in the four pieces below (nothing else in the harness changes):
//   1. probe():       load the bundles with loadOptional('server') / loadOptional('client') and check
//                     the exports you use (the bundles exist once packages/*/src/index.ts exist).
//   2. startServer(): start the session server on 127.0.0.1:config.port (backlog when given) with
//                     heartbeat config.heartbeat ('default' = library defaults); echo requests (the
//                     64-byte acknowledged send is the round trip, so the ack is the reply); pass
//                     application messages to app.onMessage; call app.onFreed when a connection is
//                     released; broadcast(payload) sends to every connected session.
//   3. wire:          a raw-`ws` speaker of docs/PROTOCOL.md for S1-S4 (send `hello`, await
//                     `welcome` => 'ready'; answer `ping` with `pong` => 'beat'; a request is a `msg`
//                     whose `ack` (cumulative: set out.cumulative) is the 'reply'; server `msg` =>
//                     'delivery'). Protocol `lifeline.v1`.
//   4. createClient(): the full client with `ws` injected: onOpen on session ready, onDown when the
//                     client reports the link dead, onAttempt per connection attempt, request() =
//                     an acknowledged send, send() = a plain send (buffered by the outbox).

import type { Contender } from './types.js';

function notWired(): never {
  throw new Error('LL contender is not wired yet (see bench/contenders/ll.ts)');
}

const ll: Contender = {
  id: 'LL',
  description: 'Lifeline session client + server, defaults',
  defaultPingIntervalMs: 20_000,
  defaultHeartbeat: 'server ping 20 s, timeout 10 s (PROTOCOL.md §5)',
  probe: () => Promise.resolve({ available: false, reason: 'LL contender not wired yet (bench/contenders/ll.ts)' }),
  startServer: () => notWired(),
  wire: { path: '/', protocols: ['lifeline.v1'], connect: () => notWired() },
  createClient: () => notWired(),
};
export default ll;
