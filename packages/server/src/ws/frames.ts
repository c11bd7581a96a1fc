// Server-to-client text frames built by the binding (RFC 6455 §5.2): one buffer, one socket write,
// and the same bytes for consecutive sends of one string (a publication goes to every subscriber).

const EMPTY = Buffer.alloc(0);

/** The frame of `text`: FIN and opcode 1 (text), no mask (a server never masks), the length in 7, 16 or 64 bits. */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const header = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(text, header, 'utf8');
  return frame;
}

let lastText: string | undefined;
let lastFrame: Buffer = EMPTY;

/**
 * {@link textFrame}, built once for consecutive calls with the same string: a fan-out (a channel
 * publication, framed once by the engine) writes one string to many sockets in a row, and every
 * socket gets the same bytes, which nothing modifies. Any other frame is built as it would be anyway.
 */
export function sharedTextFrame(text: string): Buffer {
  if (text !== lastText) {
    lastFrame = textFrame(text);
    lastText = text;
  }
  return lastFrame;
}
