// The fault proxy: forwarding, black hole, stall, reset, refuse and cleanup against a local echo server.

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { sleep, startTcpProxy, waitFor, type TcpProxy } from '@lifeline/testkit';

interface EchoServer {
  port: number;
  /** Everything received, per connection, in accept order. */
  received: string[];
  accepted: number;
  closed: number;
  /** Write `text` to every connected socket (target-to-client traffic). */
  broadcast(text: string): void;
  close(): Promise<void>;
}

async function startEchoServer(): Promise<EchoServer> {
  const sockets = new Set<net.Socket>();
  const state = { received: [] as string[], accepted: 0, closed: 0 };
  const server = net.createServer((socket) => {
    const index = state.accepted++;
    state.received[index] = '';
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      state.received[index] += chunk.toString();
      socket.write(chunk);
    });
    socket.on('close', () => {
      state.closed++;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address !== 'string');
  return {
    port: address.port,
    get received() {
      return state.received;
    },
    get accepted() {
      return state.accepted;
    },
    get closed() {
      return state.closed;
    },
    broadcast(text: string) {
      for (const s of sockets) s.write(text);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Client {
  socket: net.Socket;
  text: () => string;
  closed: () => { hadError: boolean; code: string | undefined } | undefined;
}

async function connect(port: number): Promise<Client> {
  const socket = net.connect({ host: '127.0.0.1', port });
  let text = '';
  let closed: { hadError: boolean; code: string | undefined } | undefined;
  let code: string | undefined;
  socket.on('data', (chunk) => (text += chunk.toString()));
  socket.on('error', (error: NodeJS.ErrnoException) => (code = error.code));
  socket.on('close', (hadError) => (closed = { hadError, code }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, text: () => text, closed: () => closed };
}

async function withProxy(fn: (proxy: TcpProxy, echo: EchoServer, clients: Client[]) => Promise<void>): Promise<void> {
  const echo = await startEchoServer();
  const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: echo.port } });
  const clients: Client[] = [];
  try {
    await fn(proxy, echo, clients);
  } finally {
    for (const c of clients) c.socket.destroy();
    await proxy.close();
    await echo.close();
  }
}

const WAIT = { timeoutMs: 2_000 };

test('forwards bytes both ways and counts connections', async () => {
  await withProxy(async (proxy, echo, clients) => {
    const c = await connect(proxy.port);
    clients.push(c);
    c.socket.write('hello');
    await waitFor(() => c.text() === 'hello', WAIT);
    assert.equal(echo.received[0], 'hello');
    assert.equal(proxy.connections, 1);
    assert.equal(proxy.mode, 'open');
    c.socket.end();
    await waitFor(() => proxy.connections === 0, WAIT);
    await waitFor(() => echo.closed === 1, WAIT);
  });
});

test('blackhole drops bytes both ways, keeps sockets open, and new connections never reach the target', async () => {
  await withProxy(async (proxy, echo, clients) => {
    const c = await connect(proxy.port);
    clients.push(c);
    c.socket.write('a');
    await waitFor(() => c.text() === 'a', WAIT);

    proxy.blackhole();
    c.socket.write('lost');
    echo.broadcast('gone');
    const late = await connect(proxy.port); // accepted by the proxy...
    clients.push(late);
    late.socket.write('void');
    await sleep(100);
    assert.equal(c.text(), 'a');
    assert.equal(echo.received[0], 'a', 'the target never saw the dropped bytes');
    assert.equal(echo.accepted, 1, '...but never forwarded');
    assert.equal(c.closed(), undefined, 'the socket stays open');

    proxy.heal();
    c.socket.write('b');
    await waitFor(() => c.text() === 'ab', WAIT);
    assert.equal(echo.received[0], 'ab', 'dropped, not buffered');
    await sleep(50);
    assert.equal(echo.accepted, 1, 'a connection accepted in the black hole stays dead after heal');
    assert.equal(late.text(), '');
  });
});

test('a close during a black hole is lost, and the survivor is reset on heal', async () => {
  await withProxy(async (proxy, echo, clients) => {
    const c = await connect(proxy.port);
    clients.push(c);
    c.socket.write('x');
    await waitFor(() => echo.received[0] === 'x', WAIT);
    proxy.blackhole();
    await echo.close(); // the target goes away; its FIN is lost
    await sleep(50);
    assert.equal(c.closed(), undefined);
    proxy.heal();
    const closed = await waitFor(() => c.closed(), WAIT);
    assert.equal(closed.code, 'ECONNRESET');
  });
});

test('stall holds bytes and new connections, heal flushes them in order', async () => {
  await withProxy(async (proxy, echo, clients) => {
    const c = await connect(proxy.port);
    clients.push(c);
    c.socket.write('1');
    await waitFor(() => c.text() === '1', WAIT);

    proxy.stall();
    c.socket.write('2');
    c.socket.write('3');
    const late = await connect(proxy.port);
    clients.push(late);
    late.socket.write('late');
    await sleep(100);
    assert.equal(echo.received[0], '1', 'held, not forwarded');
    assert.equal(c.text(), '1');
    assert.equal(echo.accepted, 1, 'the new connection waits for the link');

    proxy.heal();
    await waitFor(() => c.text() === '123', WAIT);
    await waitFor(() => late.text() === 'late', WAIT);
    assert.equal(echo.received[0], '123');
    assert.equal(echo.accepted, 2);
  });
});

test('stall holds target-to-client bytes too, across repeated stalls', async () => {
  await withProxy(async (proxy, echo, clients) => {
    const c = await connect(proxy.port);
    clients.push(c);
    c.socket.write('ping');
    await waitFor(() => c.text() === 'ping', WAIT);
    proxy.stall();
    proxy.heal();
    proxy.stall();
    echo.broadcast('-push');
    await sleep(50);
    assert.equal(c.text(), 'ping');
    proxy.heal();
    await waitFor(() => c.text() === 'ping-push', WAIT);
  });
});

test('cut resets every connection on both sides', async () => {
  await withProxy(async (proxy, echo, clients) => {
    const a = await connect(proxy.port);
    const b = await connect(proxy.port);
    clients.push(a, b);
    a.socket.write('a');
    b.socket.write('b');
    await waitFor(() => a.text() === 'a' && b.text() === 'b', WAIT);
    proxy.cut();
    const ca = await waitFor(() => a.closed(), WAIT);
    const cb = await waitFor(() => b.closed(), WAIT);
    assert.equal(ca.code, 'ECONNRESET');
    assert.equal(cb.code, 'ECONNRESET');
    await waitFor(() => echo.closed === 2, WAIT);
    assert.equal(proxy.connections, 0);

    const again = await connect(proxy.port);
    clients.push(again);
    again.socket.write('c');
    await waitFor(() => again.text() === 'c', WAIT);
  });
});

test('refuse resets new connections and leaves existing ones alone', async () => {
  await withProxy(async (proxy, echo, clients) => {
    const old = await connect(proxy.port);
    clients.push(old);
    proxy.refuse(true);
    const refused = net.connect({ host: '127.0.0.1', port: proxy.port });
    const outcome = await new Promise<string>((resolve) => {
      refused.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      refused.on('close', () => resolve('close'));
    });
    refused.destroy();
    assert.ok(['ECONNRESET', 'close', 'EPIPE'].includes(outcome), outcome);
    old.socket.write('still');
    await waitFor(() => old.text() === 'still', WAIT);
    proxy.refuse(false);
    const ok = await connect(proxy.port);
    clients.push(ok);
    ok.socket.write('ok');
    await waitFor(() => ok.text() === 'ok', WAIT);
    assert.equal(echo.accepted, 2);
  });
});

test('close destroys every connection and stops listening', async () => {
  const echo = await startEchoServer();
  const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: echo.port } });
  const clients: Client[] = [];
  try {
    clients.push(await connect(proxy.port));
    proxy.blackhole();
    clients.push(await connect(proxy.port)); // a dead one, too
    await proxy.close();
    await proxy.close(); // idempotent
    for (const c of clients) await waitFor(() => c.closed(), WAIT);
    await waitFor(() => echo.closed === 1, WAIT);
    await assert.rejects(connect(proxy.port), /ECONNREFUSED/);
  } finally {
    for (const c of clients) c.socket.destroy();
    await proxy.close();
    await echo.close();
  }
});
