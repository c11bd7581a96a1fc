// Entry of every child process (bundled by lib/build.ts): `child.mjs <server|load|fleet|proxy>`.

import { serve, type Handler } from './lib/ipc.js';
import { serverHandlers } from './lib/server-role.js';
import { loadHandlers } from './lib/load-role.js';
import { fleetHandlers } from './lib/fleet-role.js';
import { proxyHandlers } from './lib/proxy.js';

const roles: Record<string, () => Record<string, Handler>> = {
  server: serverHandlers,
  load: loadHandlers,
  fleet: fleetHandlers,
  proxy: proxyHandlers,
};

const role = process.argv[2] ?? '';
const make = roles[role];
if (!make) {
  console.error(`bench child: unknown role "${role}"`);
  process.exit(2);
}
// A child must never outlive a run, even if the orchestrator is killed without cleaning up.
setTimeout(() => process.exit(3), 30 * 60_000).unref();
process.on('uncaughtException', (e) => {
  console.error(`bench ${role} child: uncaught`, e);
});
serve(make());
