// The protocol's identity: version number and WebSocket subprotocol name.

/** Version of the session protocol described in docs/PROTOCOL.md. */
export const PROTOCOL_VERSION = 1;

/** WebSocket subprotocol a Lifeline client offers and a Lifeline server selects. */
export const SUBPROTOCOL = 'lifeline.v1';
