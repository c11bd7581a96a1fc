// The WebSocket API's argument rules, as the platform applies them: URL, protocols, close code and reason, send data.

import { utf8ByteLength } from '@lifeline/core';
import type { BinaryType } from './dom-types.js';
import { invalidAccessError, syntaxError } from './errors.js';
import type { SendData } from './transport.js';

interface UrlRecord {
  readonly href: string;
  readonly protocol: string;
}
type UrlConstructor = new (url: string, base?: string) => UrlRecord;

interface UrlGlobals {
  URL?: unknown;
  document?: { baseURI?: unknown };
  location?: { href?: unknown };
}

/** The base relative URLs resolve against: the document's base URL, else the worker's location. */
export function documentBase(globals: object = globalThis): string | undefined {
  const g = globals as UrlGlobals;
  if (typeof g.document?.baseURI === 'string') return g.document.baseURI;
  if (typeof g.location?.href === 'string') return g.location.href;
  return undefined;
}

/**
 * Parse `input` as `new WebSocket(input)` does: resolve it against `base`, map `http:` to `ws:` and
 * `https:` to `wss:`, and return the serialized URL ('ws://host' becomes 'ws://host/').
 * Without a working `URL` (partial polyfills) the input is returned as given for the transport to judge.
 * @throws SyntaxError (a DOMException) for an unparsable URL, another scheme, or a fragment.
 */
export function parseWebSocketUrl(input: string, base: string | undefined = documentBase(), globals: object = globalThis): string {
  const URLImpl = (globals as UrlGlobals).URL;
  if (typeof URLImpl !== 'function') return input;
  let href: string;
  let scheme: string;
  try {
    const record = new (URLImpl as UrlConstructor)(input, base);
    href = record.href;
    scheme = record.protocol;
  } catch (error) {
    if (error instanceof TypeError) throw syntaxError(`The URL '${input}' is invalid.`);
    return input;
  }
  if (scheme === 'http:') href = `ws${href.slice('http'.length)}`;
  else if (scheme === 'https:') href = `wss${href.slice('https'.length)}`;
  else if (scheme !== 'ws:' && scheme !== 'wss:') {
    throw syntaxError(`The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '${scheme.slice(0, -1)}' is not allowed.`);
  }
  // A serialized URL has a '#' only where its fragment starts (an empty fragment included).
  if (href.includes('#')) throw syntaxError(`The URL contains a fragment identifier ('${href.slice(href.indexOf('#'))}'). Fragment identifiers are not allowed in WebSocket URLs.`);
  return href;
}

// RFC 7230 `token`: what a Sec-WebSocket-Protocol value may contain.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Check the `protocols` argument as `new WebSocket(url, protocols)` does and return it with every
 * entry converted to a string (a string stays a string, a sequence becomes an array).
 * @throws SyntaxError (a DOMException) for an entry that is not a token, or a duplicate.
 */
export function checkProtocols(protocols: unknown): string | string[] | undefined {
  if (protocols === undefined) return undefined;
  const list = typeof protocols === 'object' && protocols !== null && Symbol.iterator in protocols ? Array.from(protocols as Iterable<unknown>, (p) => `${p}`) : [`${protocols}`];
  const seen = new Set<string>();
  for (const protocol of list) {
    if (!TOKEN.test(protocol)) throw syntaxError(`The subprotocol '${protocol}' is invalid.`);
    if (seen.has(protocol)) throw syntaxError(`The subprotocol '${protocol}' is duplicated.`);
    seen.add(protocol);
  }
  return typeof protocols === 'object' && protocols !== null ? list : list[0];
}

/** `close()`'s arguments after the WebIDL conversions: no code means "send none". */
export interface CloseArguments {
  readonly code: number | undefined;
  readonly reason: string;
}

/**
 * Convert and check `close(code, reason)` as the WebSocket API does: `code` is a [Clamp] unsigned
 * short, `reason` a USVString.
 * @throws InvalidAccessError (a DOMException) for a code other than 1000 or 3000–4999.
 * @throws SyntaxError (a DOMException) for a reason longer than 123 UTF-8 bytes.
 */
export function checkCloseArguments(code: unknown, reason: unknown): CloseArguments {
  const clamped = code === undefined ? undefined : clampUnsignedShort(code);
  if (clamped !== undefined && clamped !== 1000 && !(clamped >= 3000 && clamped <= 4999)) {
    throw invalidAccessError(`The close code must be either 1000, or between 3000 and 4999. ${clamped} is neither.`);
  }
  const text = reason === undefined ? '' : toUSVString(reason);
  if (utf8ByteLength(text) > 123) throw syntaxError('The close reason must not be greater than 123 UTF-8 bytes.');
  return { code: clamped, reason: text };
}

function clampUnsignedShort(value: unknown): number {
  if (typeof value === 'bigint' || typeof value === 'symbol') throw new TypeError(`Cannot convert a ${typeof value} value to a number`);
  const x = Math.min(Math.max(Number(value) || 0, 0), 65_535);
  const floor = Math.floor(x);
  const fraction = x - floor;
  // [Clamp] rounds to the nearest integer, ties to even.
  return fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** WebIDL's USVString conversion: `String()` (which throws for a Symbol) with lone surrogates replaced. */
export function toUSVString(value: unknown): string {
  return `${value as string}`.replace(LONE_SURROGATE, '\ufffd');
}

function tagOf(value: object): string {
  return Object.prototype.toString.call(value).slice(8, -1);
}

/**
 * What `send(data)` sends: strings, `ArrayBuffer`s, views and `Blob`s as they are; anything else
 * converted to a string, as the WebSocket API's overloads do (`send(123)` sends "123").
 */
export function toSendData(data: unknown): SendData {
  if (typeof data === 'string') return data;
  if (typeof data === 'object' && data !== null) {
    if (ArrayBuffer.isView(data)) return data;
    const tag = tagOf(data);
    if (tag === 'ArrayBuffer' || tag === 'SharedArrayBuffer' || tag === 'Blob' || tag === 'File') return data as SendData;
  }
  return toUSVString(data);
}

/** Whether `value` is one of the WebSocket API's `binaryType` values; others are ignored on assignment. */
export function isBinaryType(value: unknown): value is BinaryType {
  return value === 'blob' || value === 'arraybuffer';
}
