// Close codes and error codes of the session protocol, and the one function that says what a session client retries.

/** WebSocket close codes used by Lifeline sessions (RFC 6455, IANA, and our 4xxx range). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  NoStatus: 1005,
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  BadGateway: 1014,
  Unauthorized: 4001,
  Forbidden: 4003,
  UnsupportedVersion: 4005,
  SlowConsumer: 4008,
  HeartbeatTimeout: 4009,
  SessionOverflow: 4010,
  HandshakeTimeout: 4011,
  RateLimited: 4029,
  BadRequest: 4400,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** One row of the close-code contract. */
export interface CloseCodeInfo {
  readonly code: number;
  readonly name: string;
  /** Whether a client should reconnect after this code. */
  readonly retryable: boolean;
  /** Whether the session survives (a reconnect may resume it). */
  readonly sessionKept: boolean;
  readonly meaning: string;
}

/** Every close code a Lifeline peer sends or reports, with its retry and session semantics. */
export const CLOSE_CODES: readonly CloseCodeInfo[] = [
  { code: 1000, name: 'Normal', retryable: false, sessionKept: false, meaning: 'The client ended the session on purpose.' },
  { code: 1001, name: 'GoingAway', retryable: true, sessionKept: true, meaning: 'The peer is going away (page navigation, server shutdown without drain).' },
  { code: 1002, name: 'ProtocolError', retryable: false, sessionKept: false, meaning: 'WebSocket protocol violation.' },
  { code: 1003, name: 'UnsupportedData', retryable: false, sessionKept: false, meaning: 'A data type the peer cannot accept.' },
  { code: 1005, name: 'NoStatus', retryable: true, sessionKept: true, meaning: 'Closed without a status code.' },
  { code: 1006, name: 'Abnormal', retryable: true, sessionKept: true, meaning: 'The connection dropped without a close frame (network loss, killed process, our own deadline).' },
  { code: 1007, name: 'InvalidPayload', retryable: false, sessionKept: false, meaning: 'Invalid UTF-8 in a text frame.' },
  { code: 1008, name: 'PolicyViolation', retryable: false, sessionKept: false, meaning: 'Repeated protocol violations or a policy refusal.' },
  { code: 1009, name: 'MessageTooBig', retryable: false, sessionKept: false, meaning: 'A frame exceeded the server maxPayload (default 64 KiB).' },
  { code: 1010, name: 'MandatoryExtension', retryable: false, sessionKept: false, meaning: 'A required extension was not negotiated.' },
  { code: 1011, name: 'InternalError', retryable: true, sessionKept: true, meaning: 'The server hit an unexpected condition.' },
  { code: 1012, name: 'ServiceRestart', retryable: true, sessionKept: true, meaning: 'Graceful drain on deploy; honour the goaway retryAfter hint, with jitter.' },
  { code: 1013, name: 'TryAgainLater', retryable: true, sessionKept: true, meaning: 'Over capacity (admission control); honour retryAfter, with jitter.' },
  { code: 1014, name: 'BadGateway', retryable: true, sessionKept: true, meaning: 'A gateway got a bad answer upstream.' },
  { code: 4001, name: 'Unauthorized', retryable: false, sessionKept: false, meaning: 'Authentication failed or expired; the client stops retrying and reports it.' },
  { code: 4003, name: 'Forbidden', retryable: false, sessionKept: false, meaning: 'Authenticated but not allowed.' },
  { code: 4005, name: 'UnsupportedVersion', retryable: false, sessionKept: false, meaning: 'The client speaks a protocol version the server does not.' },
  { code: 4008, name: 'SlowConsumer', retryable: true, sessionKept: true, meaning: 'The outbound queue of the connection passed its cap (default 1 MiB); resume replays what is unacked.' },
  { code: 4009, name: 'HeartbeatTimeout', retryable: true, sessionKept: true, meaning: 'No traffic within interval + timeout (reported locally; the server terminates without a close frame).' },
  { code: 4010, name: 'SessionOverflow', retryable: true, sessionKept: false, meaning: 'Unacked server messages passed the session bounds; the session ended and the next connection starts fresh (resumed: false).' },
  { code: 4011, name: 'HandshakeTimeout', retryable: true, sessionKept: true, meaning: 'No hello within the handshake deadline.' },
  { code: 4029, name: 'RateLimited', retryable: true, sessionKept: true, meaning: 'The message-rate bucket ran dry (default 50/s, burst 1,200); honour retryAfter, then resume resends what was unacked.' },
  { code: 4400, name: 'BadRequest', retryable: false, sessionKept: false, meaning: 'The client broke the session handshake (a second hello on one connection).' },
];

const closeCodeIndex = new Map(CLOSE_CODES.map((row) => [row.code, row]));

/** The contract row of a close code, if it is one of ours. */
export function closeCodeInfo(code: number): CloseCodeInfo | undefined {
  return closeCodeIndex.get(code);
}

/**
 * Whether a session client reconnects after a close with this code (for a plain socket, see
 * `socketRetries` in @lifeline/socket: they differ on 1000, which ends a session but not a socket).
 * Codes outside the table are retryable, so a client never gives up because a server invented a
 * code; only the codes marked terminal in the table stop it.
 */
export function sessionRetries(code: number): boolean {
  return closeCodeIndex.get(code)?.retryable ?? true;
}

/** Error codes carried by `error` messages; the connection stays open after each. */
export const ErrorCode = {
  BadFrame: 'bad-frame',
  BadJson: 'bad-json',
  BadMessage: 'bad-message',
  UnknownType: 'unknown-type',
  TooDeep: 'too-deep',
  ForbiddenKey: 'forbidden-key',
  TooLarge: 'too-large',
  NotReady: 'not-ready',
  SequenceGap: 'sequence-gap',
  KeyConflict: 'key-conflict',
  TooManyKeys: 'too-many-keys',
  BadChannel: 'bad-channel',
  Forbidden: 'forbidden',
  NotSubscribed: 'not-subscribed',
  TooManyChannels: 'too-many-channels',
  SubscribeRate: 'subscribe-rate',
  Unsubscribed: 'unsubscribed',
  Unavailable: 'unavailable',
  UnknownMethod: 'unknown-method',
  CallFailed: 'call-failed',
  TooManyCalls: 'too-many-calls',
  ResultUnavailable: 'result-unavailable',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One row of the error-code contract. */
export interface ErrorCodeInfo {
  readonly code: ErrorCode;
  readonly meaning: string;
}

/** Every error code, with its meaning. */
export const ERROR_CODES: readonly ErrorCodeInfo[] = [
  { code: 'bad-frame', meaning: 'A binary frame, or a frame that is not text.' },
  { code: 'bad-json', meaning: 'The text is not valid JSON.' },
  { code: 'bad-message', meaning: 'Valid JSON that does not match the message schema.' },
  { code: 'unknown-type', meaning: 'A message type this version does not know.' },
  { code: 'too-deep', meaning: 'Nesting deeper than the decoder limit (default 32).' },
  { code: 'forbidden-key', meaning: 'A `__proto__`, `constructor` or `prototype` key anywhere in the message.' },
  { code: 'too-large', meaning: 'The message is larger than the limit. As a refusal (with a `seq`): a client publication larger than the channel allows (default 32 KiB).' },
  { code: 'not-ready', meaning: 'A message other than hello before the session was established.' },
  { code: 'sequence-gap', meaning: 'A client message whose seq skips ahead; it was dropped and not acknowledged.' },
  { code: 'key-conflict', meaning: 'A client message reused an idempotency key its identity applied within the dedupe window to a different payload. It was not applied; its seq counts as received and its `send()` rejects.' },
  { code: 'too-many-keys', meaning: 'The identity (the remote address without authentication) holds as many idempotency keys as the server keeps for one, and none of them is settled (a client settles its keys by answering pings), or the server holds as many keys as it may in all. The message was not applied; its seq counts as received and its `send()` rejects.' },
  { code: 'bad-channel', meaning: 'A channel name that is empty, too long (default 128 characters) or has a character outside `A-Z a-z 0-9 _ - . : @ / = ~ +`. The subscribe (an `unsub`) or publish (a refusal) fails; the session goes on.' },
  { code: 'forbidden', meaning: "The server's authorize hook refused the subscribe, or its publish hook refused the publication (a refusal: the publish rejects)." },
  { code: 'not-subscribed', meaning: 'A client publication to a channel the session is not subscribed to, with no publish hook that allows it (a refusal).' },
  { code: 'too-many-channels', meaning: 'A subscribe past the channels one connection may hold (default 128); the session goes on.' },
  { code: 'subscribe-rate', meaning: 'Subscribes faster than the per-connection subscribe bucket allows (default 20/s, burst 200); the client retries after a delay.' },
  { code: 'unsubscribed', meaning: 'The server ended the subscription (`unsubscribe` from the application).' },
  { code: 'unavailable', meaning: 'The channel history or broker failed while subscribing; the client retries after a delay.' },
  { code: 'unknown-method', meaning: 'An RPC call to a method the server has no handler for (the call rejects; it ran nowhere).' },
  { code: 'call-failed', meaning: "An RPC handler threw or rejected; the message is the application's `CallError` message, or a generic one (never a stack trace)." },
  { code: 'too-many-calls', meaning: 'An RPC call past the calls one session may have running (default 100), or past the results one identity may hold (default 10,000); it did not run.' },
  { code: 'result-unavailable', meaning: 'A retried RPC call ran before, but its result is no longer held (the dedupe window passed, or the node that ran it ended); it did not run again.' },
];

/** The error codes that refuse one client message for good: its seq is consumed, and the sender's `send()` rejects. */
export const REFUSAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['key-conflict', 'too-many-keys', 'bad-channel', 'forbidden', 'not-subscribed', 'too-large', 'unknown-method', 'too-many-calls']);

/** Why a subscription could not recover what it missed (the `reason` of `subscribed` with `recovered: false`). */
export const RecoveryFailure = {
  /** The channel's history began again (a server restart without shared state, a flushed store): offsets from before mean nothing. */
  EpochChanged: 'epoch-changed',
  /** Publications after the client's offset were already trimmed from the bounded history. */
  HistoryTrimmed: 'history-trimmed',
  /** The client claims an offset the channel never reached. */
  BadPosition: 'bad-position',
} as const;
export type RecoveryFailure = (typeof RecoveryFailure)[keyof typeof RecoveryFailure];

/** Why a session could not be resumed (the `reason` of a welcome with `resumed: false`). */
export const ResumeFailure = {
  /** The client asked for no session: a first connection. */
  New: 'new',
  /** The server does not know the session: the window passed or the server restarted without shared state. */
  UnknownSession: 'unknown-session',
  /** The token does not match the session. */
  BadToken: 'bad-token',
  /** The session belongs to another identity. */
  IdentityMismatch: 'identity-mismatch',
  /** The client remembers server messages the server never sent (a forged or stale position). */
  BadPosition: 'bad-position',
} as const;
export type ResumeFailure = (typeof ResumeFailure)[keyof typeof ResumeFailure];
