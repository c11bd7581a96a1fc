// @lifeline/server/ws: the session engine bound to `ws` (the only entry point that loads it).
export { createLifelineServer, attachLifeline } from './server.js';
export type { LifelineServer, LifelineServerOptions, LifelineAttachment } from './server.js';
