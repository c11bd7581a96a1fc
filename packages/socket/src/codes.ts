// Close-code classification: which WebSocket close codes are worth a reconnect.

/** One row of {@link SOCKET_CLOSE_CODES}. */
export interface SocketCloseCodeInfo {
  readonly code: number;
  /** The registered name (RFC 6455 §7.4.1, IANA registry) or Lifeline's own for 4xxx. */
  readonly name: string;
  /** Whether the default `shouldReconnect` tries again after this code. */
  readonly retryable: boolean;
  readonly meaning: string;
}

/**
 * The close codes Lifeline knows and what it does with them by default.
 *
 * | code | name | retryable | why |
 * | ---- | ---- | --------- | --- |
 * | 1000 | Normal Closure | yes | a server closing normally (deploy, idle sweep); dashboards must come back |
 * | 1001 | Going Away | yes | server shutting down or page navigating |
 * | 1002 | Protocol Error | no | the peer will reject us the same way again |
 * | 1003 | Unsupported Data | no | we send something the server cannot accept |
 * | 1005 | No Status Received | yes | closed without a code; nothing says it is permanent |
 * | 1006 | Abnormal Closure | yes | the link dropped (never sent on the wire) |
 * | 1007 | Invalid Payload | no | our frames are malformed; retrying repeats them |
 * | 1008 | Policy Violation | no | the server refuses us by policy |
 * | 1009 | Message Too Big | no | the same message would be too big again |
 * | 1010 | Mandatory Extension | no | the server lacks an extension we require |
 * | 1011 | Internal Error | yes | a server fault, usually transient |
 * | 1012 | Service Restart | yes | come back shortly (see `retryAfter`) |
 * | 1013 | Try Again Later | yes | overloaded; come back later (see `retryAfter`) |
 * | 1014 | Bad Gateway | yes | a proxy could not reach the upstream |
 * | 1015 | TLS Handshake | yes | often a transient network or clock problem |
 * | 4001 | Unauthorized | no | credentials are missing or expired; the app must act first |
 * | 4003 | Forbidden | no | this client may not connect |
 *
 * Every other code is retryable: giving up wrongly strands a user, retrying wrongly costs a
 * capped, jittered request now and then.
 */
export const SOCKET_CLOSE_CODES: readonly SocketCloseCodeInfo[] = [
  { code: 1000, name: 'Normal Closure', retryable: true, meaning: 'The server closed normally; it may come back.' },
  { code: 1001, name: 'Going Away', retryable: true, meaning: 'The endpoint is going away (shutdown, navigation).' },
  { code: 1002, name: 'Protocol Error', retryable: false, meaning: 'The peer saw a WebSocket protocol error.' },
  { code: 1003, name: 'Unsupported Data', retryable: false, meaning: 'The peer cannot accept this type of data.' },
  { code: 1005, name: 'No Status Received', retryable: true, meaning: 'The close frame carried no status code.' },
  { code: 1006, name: 'Abnormal Closure', retryable: true, meaning: 'The connection dropped without a close frame.' },
  { code: 1007, name: 'Invalid Frame Payload Data', retryable: false, meaning: 'A message was not consistent with its type.' },
  { code: 1008, name: 'Policy Violation', retryable: false, meaning: 'A message violated the server policy.' },
  { code: 1009, name: 'Message Too Big', retryable: false, meaning: 'A message was too big to process.' },
  { code: 1010, name: 'Mandatory Extension', retryable: false, meaning: 'The server did not negotiate a required extension.' },
  { code: 1011, name: 'Internal Error', retryable: true, meaning: 'The server hit an unexpected condition.' },
  { code: 1012, name: 'Service Restart', retryable: true, meaning: 'The service is restarting.' },
  { code: 1013, name: 'Try Again Later', retryable: true, meaning: 'The service is overloaded; retry later.' },
  { code: 1014, name: 'Bad Gateway', retryable: true, meaning: 'A gateway received an invalid upstream response.' },
  { code: 1015, name: 'TLS Handshake', retryable: true, meaning: 'The TLS handshake failed.' },
  { code: 4001, name: 'Unauthorized', retryable: false, meaning: 'Authentication is missing or expired.' },
  { code: 4003, name: 'Forbidden', retryable: false, meaning: 'The client is not allowed to connect.' },
];

const terminalCodes: ReadonlySet<number> = new Set(SOCKET_CLOSE_CODES.filter((c) => !c.retryable).map((c) => c.code));

/**
 * Whether a plain socket reconnects after close code `code` by default (see {@link SOCKET_CLOSE_CODES}).
 * A session client follows `sessionRetries` of @lifeline/protocol instead: 1000 ends a session.
 */
export function socketRetries(code: number): boolean {
  return !terminalCodes.has(code);
}
