// The thin ws binding: HTTP upgrade policy (path, drain, origin, verify hook), then hands each socket to the engine.

import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { SUBPROTOCOL, type AnySchema, type Schema } from '@lifeline/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EngineDependencies, SessionEngine } from '../api.js';
import { createSessionEngine } from '../engine.js';
import type { ResolvedOptions, ServerOptions } from '../options.js';
import { originAllowed } from '../origin.js';
import { bindSocket } from './bind.js';
import { answerPlainHttp, ignore, pathMatches, rejectUpgrade } from './upgrade.js';

/** Options of {@link createLifelineServer}: the engine's, plus where and how to listen. */
export interface LifelineServerOptions extends ServerOptions {
  /** Port to listen on when the server creates its own HTTP server. @default 0 (an ephemeral port) */
  port?: number;
  /** Interface to bind. @default undefined (all interfaces, as `net` and `ws` do) */
  host?: string;
  /**
   * An existing HTTP(S) server to attach to. It is neither listened on nor closed by Lifeline; upgrades
   * for other paths are left to other listeners. @default a new http.Server owned by Lifeline
   */
  server?: HttpServer | HttpsServer;
  /** URL path served (exact match, query ignored). @default '/' */
  path?: string;
  /**
   * Listen backlog of a server Lifeline creates. Node's 511 overflows when a few thousand clients
   * reconnect at once after a restart; the kernel caps it at `net.core.somaxconn`. @default 4096
   */
  backlog?: number;
  /** Extra check of the upgrade request after the origin policy; false, a throw or a rejection → HTTP 401. @default none */
  verifyUpgrade?: (request: IncomingMessage) => boolean | Promise<boolean>;
  /**
   * Trusted reverse proxies in front of this server (nginx, a load balancer): the client's address,
   * which limits per address count against when there is no `authenticate` hook, is the
   * `X-Forwarded-For` entry this many hops from the right. With 0 it is the socket's peer, which
   * behind a proxy is the proxy itself for every client. @default 0
   */
  proxyHops?: number;
}

/** The engine API (see {@link SessionEngine}: on, sessions, broadcast, publish, unsubscribe, handle, presence, members, stats), bound to a transport. */
export interface LifelineAttachment<S extends Schema = AnySchema> extends Pick<SessionEngine<S>, EngineApi> {
  readonly engine: SessionEngine<S>;
  /**
   * Drain (PROTOCOL.md §7): new upgrades get 503, every connection gets `goaway{code: 1012}` + close
   * 1012 at random times over `drain` ms, then sessions end and an owned HTTP server closes.
   * @default drain = drainWindow (10 s); `{ drain: 0 }` closes everything at once
   */
  close(options?: { drain?: number }): Promise<void>;
}

/** The engine methods a server or attachment offers itself. */
type EngineApi = 'on' | 'sessions' | 'broadcast' | 'publish' | 'unsubscribe' | 'handle' | 'presence' | 'members' | 'stats';

/** A listening Lifeline server. */
export interface LifelineServer<S extends Schema = AnySchema> extends LifelineAttachment<S> {
  /** Resolves once the HTTP server listens; rejects on a listen error. */
  readonly listening: Promise<void>;
  /** The port listened on (0 before listening). */
  readonly port: number;
  readonly address: AddressInfo | string | null;
  readonly httpServer: HttpServer | HttpsServer;
}

/** ws receive limits tighter than its defaults (reliability.md §9): our messages are small. */
const MAX_FRAGMENTS = 64;
const MAX_BUFFERED_CHUNKS = 4096;
/** Listen backlog of an owned HTTP server (see {@link LifelineServerOptions.backlog}). */
const DEFAULT_BACKLOG = 4096;
/** How much longer than its headers an owned server's upgrade request may take, and how often Node checks. */
const REQUEST_GRACE = 5_000;
const CHECK_INTERVAL = 1_000;
/** Retry-After (seconds) of the HTTP 503 answered while draining. */
const DRAIN_HTTP_RETRY_AFTER = 1;

/** Split the binding's own options from the engine's (which refuses options it does not know). */
function engineOptions(options: LifelineServerOptions): ServerOptions {
  const { port: _port, host: _host, server: _server, path: _path, backlog: _backlog, verifyUpgrade: _verify, proxyHops: _hops, ...rest } = options;
  return rest;
}

/**
 * Create a Lifeline server on `ws`. Throws (TypeError/RangeError) on invalid or unknown options,
 * e.g. no origin policy. `deps` are the engine's seams (store, dedupe store, broker).
 */
export function createLifelineServer<S extends Schema = AnySchema>(options: LifelineServerOptions, deps: EngineDependencies = {}): LifelineServer<S> {
  if (typeof options !== 'object' || options === null) throw new TypeError('lifeline: options are required');
  const engine = createSessionEngine(engineOptions(options), deps);
  const path = options.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError("lifeline: path must start with '/'");
  if (options.verifyUpgrade !== undefined && typeof options.verifyUpgrade !== 'function') throw new TypeError('lifeline: verifyUpgrade must be a function');
  const owned = options.server === undefined;
  const proxyHops = options.proxyHops ?? 0;
  if (!Number.isSafeInteger(proxyHops) || proxyHops < 0) throw new RangeError('lifeline: proxyHops must be a non-negative integer');
  const addressOf = clientAddresses(engine, proxyHops);
  // Slowloris guard for the upgrade request itself (reliability.md A1): its headers get the handshake
  // timeout too. Node checks it every connectionsCheckingInterval (30 s by default), so a header drip
  // would outlive the promise by that much: the check runs every second here.
  const handshake = engine.options.handshakeTimeout;
  const server: HttpServer | HttpsServer =
    options.server ?? createServer({ headersTimeout: handshake, requestTimeout: handshake + REQUEST_GRACE, connectionsCheckingInterval: CHECK_INTERVAL }, answerPlainHttp);
  const wss = newWebSocketServer(engine.options);
  let accepting = true;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', ignore);
    if (!pathMatches(req.url, path)) {
      if (owned) rejectUpgrade(socket, 404);
      return; // on a shared server another listener may own this path
    }
    void admit(req, socket, head);
  };

  const admit = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    try {
      if (!accepting) return rejectUpgrade(socket, 503, { 'Retry-After': String(DRAIN_HTTP_RETRY_AFTER) });
      if (!originAllowed(engine.options, req.headers.origin, req.headers.host)) return rejectUpgrade(socket, 403);
      if (options.verifyUpgrade) {
        let ok = false;
        try {
          ok = (await options.verifyUpgrade(req)) === true;
        } catch {
          ok = false;
        }
        if (socket.destroyed) return;
        if (!ok) return rejectUpgrade(socket, 401);
        if (!accepting) return rejectUpgrade(socket, 503, { 'Retry-After': String(DRAIN_HTTP_RETRY_AFTER) });
      }
      wss.handleUpgrade(req, socket, head, (ws) => bindSocket(engine, ws, req, addressOf(req), socket));
    } catch (error) {
      engine.report(error, 'upgrade failed');
      socket.destroy();
    }
  };

  server.on('upgrade', onUpgrade);

  const listening = new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve();
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    server.once('listening', onListening);
    server.once('error', onError);
  });
  listening.catch(ignore); // observed through `listening`; never an unhandled rejection
  // A server-level error after listening must not crash the process.
  const onServerError = (error: Error): void => engine.report(error, 'http server error');
  server.on('error', onServerError);
  if (owned) server.listen({ port: options.port ?? 0, host: options.host, backlog: options.backlog ?? DEFAULT_BACKLOG });

  let closed: Promise<void> | undefined;
  const close = (closeOptions?: { drain?: number }): Promise<void> => {
    if (closed) return closed;
    accepting = false;
    closed = (async () => {
      await engine.close(closeOptions);
      server.off('upgrade', onUpgrade);
      wss.close();
      if (owned) {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Plain HTTP keep-alive sockets would otherwise hold close() open.
          if ('closeAllConnections' in server) server.closeAllConnections();
        });
      }
      server.off('error', onServerError);
    })();
    return closed;
  };

  return {
    engine,
    listening,
    get port() {
      const address = server.address();
      return typeof address === 'object' && address !== null ? address.port : 0;
    },
    get address() {
      return server.address();
    },
    httpServer: server,
    ...engineApi(engine),
    close,
  } as LifelineServer as unknown as LifelineServer<S>;
}

/** The engine's API, bound. */
function engineApi(engine: SessionEngine): Pick<SessionEngine, EngineApi> {
  return {
    on: (event, listener) => engine.on(event, listener),
    sessions: engine.sessions,
    broadcast: (data) => engine.broadcast(data),
    publish: (channel, data) => engine.publish(channel, data),
    unsubscribe: (session, channel) => engine.unsubscribe(session, channel),
    handle: (method, handler) => engine.handle(method, handler),
    presence: (identity) => engine.presence(identity),
    members: (channel) => engine.members(channel),
    stats: () => engine.stats(),
  };
}

/**
 * Attach Lifeline to an existing HTTP(S) server (as `createLifelineServer({ server })`), or to an
 * existing `WebSocketServer`. With a WebSocketServer the upgrade has already happened, so a
 * disallowed origin is closed with 4003 instead of answered with 403; prefer the HTTP server form.
 */
export function attachLifeline(target: HttpServer | HttpsServer, options: Omit<LifelineServerOptions, 'server'>, deps?: EngineDependencies): LifelineServer;
export function attachLifeline(target: WebSocketServer, options: ServerOptions, deps?: EngineDependencies): LifelineAttachment;
export function attachLifeline(target: HttpServer | HttpsServer | WebSocketServer, options: ServerOptions, deps: EngineDependencies = {}): LifelineServer | LifelineAttachment {
  if (!(target instanceof WebSocketServer)) return createLifelineServer({ ...options, server: target }, deps);
  const engine = createSessionEngine(options, deps);
  const addressOf = clientAddresses(engine, 0);
  const onConnection = (ws: WebSocket, req: IncomingMessage): void => {
    if (!originAllowed(engine.options, req.headers.origin, req.headers.host)) {
      ws.on('error', ignore);
      ws.close(4003, 'origin not allowed');
      return;
    }
    bindSocket(engine, ws, req, addressOf(req));
  };
  target.on('connection', onConnection);
  return {
    engine,
    ...engineApi(engine),
    close: async (closeOptions) => {
      target.off('connection', onConnection);
      await engine.close(closeOptions);
    },
  };
}

function newWebSocketServer(options: ResolvedOptions): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: options.maxPayload,
    maxFragments: MAX_FRAGMENTS,
    maxBufferedChunks: MAX_BUFFERED_CHUNKS,
    handleProtocols: (protocols: Set<string>) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
}


/**
 * The client's address per request. Reports once (as an `error` annotation) when requests carry
 * X-Forwarded-For but `hops` is 0: behind a proxy every client would count as the proxy's address
 * for the limits per address.
 */
function clientAddresses(engine: SessionEngine, hops: number): (req: IncomingMessage) => string | undefined {
  let warned = false;
  return (req) => {
    if (hops === 0 && !warned && req.headers['x-forwarded-for'] !== undefined) {
      warned = true;
      const message = `upgrade requests carry X-Forwarded-For but proxyHops is 0: every client behind that proxy counts as ${String(req.socket.remoteAddress)} for the limits per address; set proxyHops to the number of proxies you trust`;
      engine.report(new Error(message), 'proxy');
    }
    return clientAddress(req, hops);
  };
}

/** The client's address: the socket's peer, or behind `hops` trusted proxies the X-Forwarded-For entry that many from the right. */
function clientAddress(req: IncomingMessage, hops: number): string | undefined {
  if (hops === 0) return req.socket.remoteAddress;
  const header = req.headers['x-forwarded-for'];
  const entries = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((e) => e.trim()).filter(Boolean);
  return entries[entries.length - hops] ?? entries[0] ?? req.socket.remoteAddress;
}
