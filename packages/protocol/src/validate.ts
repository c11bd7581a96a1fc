// Building blocks of the per-type validators: the validator shape, field checks, and results.

import { ErrorCode } from './codes.js';

/** Limits the decoder enforces before and while it validates. */
export interface DecodeLimits {
  /** Largest text accepted, in UTF-16 code units (the frame limit is enforced by the transport). @default 65536 */
  maxLength: number;
  /** Deepest nesting of arrays and objects accepted. @default 32 */
  maxDepth: number;
  /** Longest string accepted for ids, tokens and idempotency keys. @default 256 (MAX_KEY_LENGTH) */
  maxIdLength: number;
}

/** Why a frame was rejected; becomes an `error` message with the same code. */
export interface DecodeError {
  readonly code: ErrorCode;
  readonly message: string;
  /** The offending message's `seq`, when it could be read. */
  readonly seq?: number;
}

/** The result of decoding: a message, or the reason it was rejected. Decoding never throws. */
export type Decoded<M> = { readonly ok: true; readonly message: M } | { readonly ok: false; readonly error: DecodeError };

/**
 * Checks one parsed message of one type (its `t` already matched) and builds the typed message from
 * the fields it knows, so no unknown field and no prototype of the input survives. Never throws.
 */
export type Validator<M> = (value: Readonly<Record<string, unknown>>, limits: DecodeLimits) => Decoded<M>;

/** One validator per message type of the union `M`, keyed by `t`: what a decoder dispatches on. */
export type ValidatorTable<M extends { readonly t: string }> = { readonly [T in M['t']]: Validator<Extract<M, { readonly t: T }>> };

/** A decoder's view of a validator table: the validator of type `t`, or undefined for a type it does not know. */
export type ValidatorLookup<M> = (t: string) => Validator<M> | undefined;

/** Whether `key` is an own key of `table` (so "toString" never finds Object.prototype's). */
export function isOwnKey<T extends object>(table: T, key: string): key is Extract<keyof T, string> {
  return Object.hasOwn(table, key);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-negative safe integer. */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A positive safe integer. */
export function isSeq(value: unknown): value is number {
  return isCount(value) && value > 0;
}

/** A non-empty string no longer than the id limit. */
export function isId(value: unknown, limits: DecodeLimits): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= limits.maxIdLength;
}

export function ok<M>(message: M): Decoded<M> {
  return { ok: true, message };
}

export function fail(code: ErrorCode, message: string, seq?: number): { ok: false; error: DecodeError } {
  return { ok: false, error: seq === undefined ? { code, message } : { code, message, seq } };
}

/** A schema violation (`bad-message`), carrying the message's seq when it is a valid one. */
export function bad(message: string, seq?: unknown): { ok: false; error: DecodeError } {
  return fail(ErrorCode.BadMessage, message, isSeq(seq) ? seq : undefined);
}
