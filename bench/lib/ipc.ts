// The control channel between the orchestrator and its children: request/response over Node IPC.

/** A request from the orchestrator. */
export interface IpcRequest {
  id: number;
  cmd: string;
  args: unknown;
}
/** A child's answer to one request. */
export type IpcResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
/** Sent once by a child when its handlers are installed. */
export interface IpcReady {
  ready: true;
}

export type Handler = (args: unknown) => unknown;

function isRequest(m: unknown): m is IpcRequest {
  return typeof m === 'object' && m !== null && 'id' in m && 'cmd' in m;
}

/** Child side: answer requests with `handlers` until the parent goes away. */
export function serve(handlers: Record<string, Handler>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('bench child started without an IPC channel');
  process.on('message', (m: unknown) => {
    if (!isRequest(m)) return;
    const handler = handlers[m.cmd];
    if (!handler) {
      send({ id: m.id, ok: false, error: `unknown command ${m.cmd}` } satisfies IpcResponse);
      return;
    }
    Promise.resolve()
      .then(() => handler(m.args))
      .then(
        (value) => send({ id: m.id, ok: true, value } satisfies IpcResponse),
        (e: unknown) => send({ id: m.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies IpcResponse),
      );
  });
  // The orchestrator owns our lifetime: when it disconnects (exit, crash), we go too.
  process.on('disconnect', () => process.exit(0));
  send({ ready: true } satisfies IpcReady);
}
