// Listening with a retry on EADDRINUSE, shared by the example servers and the test fixtures that restart on a port.

import type { Server } from 'node:http';

/**
 * Listen on `port` (0: any), retrying briefly on EADDRINUSE, since a restart right after a SIGKILL
 * can race the old process's socket teardown. Resolves with the bound port.
 */
export async function listen(server: Server, port: number, host: string, attempts = 50): Promise<number> {
  for (let i = 1; ; i++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address();
      if (!address || typeof address === 'string') throw new Error('the server bound no TCP port');
      return address.port;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EADDRINUSE' || i >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
