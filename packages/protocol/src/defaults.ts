// The protocol's default values (PROTOCOL.md §1, §5): one place of record for client and server.

import type { HeartbeatParams } from './messages.js';

/** The server-driven heartbeat a server announces by default, and a client assumes until `welcome`: 20 s, 10 s. */
export const DEFAULT_HEARTBEAT: HeartbeatParams = Object.freeze({ interval: 20_000, timeout: 10_000 });

/** The frame limit a server enforces by default, and a client assumes until `welcome`: 64 KiB. */
export const DEFAULT_MAX_PAYLOAD = 65_536;

/** The longest session id, token or idempotency key a decoder accepts: 256 characters. */
export const MAX_KEY_LENGTH = 256;
