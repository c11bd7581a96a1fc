// Default idempotency keys: 128 random bits as hex, from the platform CSPRNG when there is one.

import type { RandomSource } from '@lifeline/socket';

// Typed structurally: this package compiles without DOM or Node typings.
interface CryptoHost {
  crypto?: { getRandomValues?: (array: Uint8Array) => Uint8Array };
}

/**
 * A key generator drawing 16 bytes from `globalThis.crypto.getRandomValues` when present (keys are
 * deduplicated per identity, so they must not collide across clients), else from `random`.
 */
export function randomKeyGenerator(random: RandomSource, host: CryptoHost = globalThis as CryptoHost): () => string {
  const crypto = host.crypto;
  const fill =
    crypto && typeof crypto.getRandomValues === 'function'
      ? (bytes: Uint8Array) => void crypto.getRandomValues?.call(crypto, bytes)
      : (bytes: Uint8Array) => {
          for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256) & 0xff;
        };
  return () => {
    const bytes = new Uint8Array(16);
    fill(bytes);
    let hex = '';
    for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
    return hex;
  };
}
