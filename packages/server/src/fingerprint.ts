// A short fingerprint of a payload, to tell a reused idempotency key with another payload from a resend.

/**
 * Two 32-bit FNV-1a lanes (different offsets) over the UTF-16 code units of `text`, as 16 hex digits:
 * cheap, stable across processes, and a chance of about 1 in 2^64 that different payloads collide
 * (a collision would read a conflicting reuse as a resend, never a resend as a conflict).
 */
export function fingerprint(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    a = Math.imul(a ^ unit, 0x01000193);
    b = Math.imul(b ^ unit, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
