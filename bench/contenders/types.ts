// The contender seam: what every library under test provides to the harness (server, wire, client).
//
// A contender module default-exports one `Contender`. The harness calls `probe()` in every process
// before anything else; a contender that answers `available: false` is skipped and reported "n/a".
// To add one (e.g. LL), implement this interface in bench/contenders/<id>.ts and list it in
// bench/contenders/index.ts. Nothing else in the harness is contender-specific.

/** Contender ids, in report order. R is the reference every ratio is taken against. */
export type ContenderId = 'R' | 'SIO' | 'RWS' | 'LS' | 'LL';
export const CONTENDER_IDS: readonly ContenderId[] = ['R', 'SIO', 'RWS', 'LS', 'LL'];

/** A heartbeat setting used for "equal settings" runs: ping every `intervalMs`, give up `timeoutMs` later. */
export interface Heartbeat {
  intervalMs: number;
  timeoutMs: number;
}

/** 'default' means exactly what a user gets without configuring anything. */
export type HeartbeatSetting = 'default' | Heartbeat;

export interface ServerConfig {
  heartbeat: HeartbeatSetting;
  /** Port to listen on; 0 picks a free one. Restarts pass the previous port. */
  port: number;
  /** listen() backlog; undefined keeps the library default (Node's 511; createLifelineServer's 4096). */
  backlog?: number;
  /**
   * The scenario pushes far more frames through one connection than an interactive client would
   * (S3 round trips, S8's flush after restoration). A contender whose defaults include a
   * per-connection inbound rate limit (a DoS guard) raises it here and says so in its description.
   */
  bulkInbound?: boolean;
  /** S4's channel variant (LL only): `broadcast` publishes on one channel every load connection subscribed to. */
  channelFanout?: boolean;
}

/** Callbacks the harness gives a server. Requests are answered by the contender itself. */
export interface ServerApp {
  /** A one-way application message arrived (S8). */
  onMessage(text: string): void;
  /** The server released one connection (S6: time until the server frees a dead peer). */
  onFreed(): void;
}

export interface ServerHandle {
  readonly port: number;
  /** Connections currently held. */
  connections(): number;
  /** Send `payload` to every connected client the way this library's users would (S4). Returns deliveries attempted. */
  broadcast(payload: string): number;
  close(): Promise<void>;
}

/** What one incoming frame was, for a raw load client. */
export type WireEvent = 'ready' | 'beat' | 'reply' | 'delivery' | 'other';

/**
 * Per-connection protocol state for a raw `ws` load client that speaks this contender's wire format
 * (performance.md §10.1 rule 3: cheap load generators for server-side scenarios S1-S4).
 */
export interface WireConn {
  /** Called once the WebSocket is open; returns true when the connection is already usable. */
  open(send: (data: string) => void): boolean;
  /**
   * Classify one incoming frame, answering handshakes and heartbeats through `send`. For 'reply',
   * set `out.id` to the request id it answers; set `out.cumulative` when it answers every id up to it.
   */
  frame(data: Buffer, send: (data: string) => void, out: { id: number; cumulative: boolean }): WireEvent;
  /** Encode a request carrying the 64-byte application payload `body` with correlation id `id`. */
  request(id: number, body: string): string;
}

export interface Wire {
  /** URL path and query to connect to. */
  readonly path: string;
  readonly protocols?: string[];
  /** A raw connection; `variant` 'channel' makes it subscribe to S4's channel once ready (LL only). */
  connect(variant?: string): WireConn;
}

export interface ClientOptions {
  /** ws://127.0.0.1:<port> without a path. */
  url: string;
  heartbeat: HeartbeatSetting;
  /** The library opened (or re-opened) a usable connection. */
  onOpen(): void;
  /** The library reported the link dead or closed (any reason). */
  onDown(): void;
  /** The library started a connection attempt. */
  onAttempt(): void;
  /**
   * S8: the scenario queues thousands of messages while the link is down. A library with a bounded
   * outbox is sized to {@link BULK_OUTBOX}, so S8 measures buffering rather than refusal; the
   * contender's description says so.
   */
  bulkOutbox?: boolean;
}

/** Outbox bounds for `bulkOutbox` clients (S8): 10,000 messages, 8 MiB. */
export const BULK_OUTBOX = { maxMessages: 10_000, maxBytes: 8 * 1024 * 1024 } as const;

/** A full client library instance, used in client-side scenarios (S5-S8). */
export interface LibClient {
  isOpen(): boolean;
  /** One request/reply (ack) round trip; resolves true on a reply within `timeoutMs`. */
  request(body: string, timeoutMs: number): Promise<boolean>;
  /**
   * A one-way message; while the link is down the library buffers it (or not: that is measured).
   * Returns false when the library refused it with an error (e.g. a full bounded outbox).
   */
  send(body: string): boolean;
  /** Stop for good: no more reconnects. */
  close(): void;
}

export type Probe = { available: true; note?: string } | { available: false; reason: string };

export interface Contender {
  readonly id: ContenderId;
  /** One line for the report: what this contender is and how it is configured. */
  readonly description: string;
  /** Load optional packages; must be called (and awaited) in each process before the methods below. */
  probe(): Promise<Probe>;
  startServer(config: ServerConfig, app: ServerApp): Promise<ServerHandle>;
  readonly wire: Wire;
  createClient(options: ClientOptions): LibClient;
  /** Default heartbeat in words, for the report. */
  readonly defaultHeartbeat: string;
  /** Period of the server's default heartbeat in ms (S2 scales the per-beat cost by it). */
  readonly defaultPingIntervalMs: number;
}
