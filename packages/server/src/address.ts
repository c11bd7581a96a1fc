// The key that limits per remote address count under: one IPv4 address, or one IPv6 /64 (what one subscriber is usually given).

/**
 * `address` as limits per address see it. IPv4 (and IPv4-mapped IPv6, `::ffff:192.0.2.1`) stays one
 * address; an IPv6 address stands for its /64, since one host can pick any address in the /64 its
 * network gives it; anything unparsable is kept as it is.
 */
export function addressKey(address: string): string {
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!lower.includes(':')) return lower;
  const groups = ipv6Groups(lower.split('%')[0] ?? lower);
  return groups === null ? lower : `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (without zone), as lower-case hex without leading zeros; null if it is not one. */
function ipv6Groups(text: string): string[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const split = (part: string | undefined): string[] => (part === undefined || part === '' ? [] : part.split(':'));
  const head = split(halves[0]);
  const tail = split(halves[1]);
  const last = tail.length > 0 ? tail[tail.length - 1] : head[head.length - 1];
  // A dotted IPv4 tail (::ffff:1.2.3.4 handled above; 64:ff9b::1.2.3.4 here) fills the last two groups.
  const dotted = last !== undefined && last.includes('.') ? 1 : 0;
  const given = head.length + tail.length + dotted;
  if (halves.length === 1 ? given !== 8 : given > 7) return null;
  const fill: string[] = new Array<string>(8 - given).fill('0');
  const groups = [...head, ...fill, ...tail];
  if (dotted) groups.pop();
  for (const g of groups) if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
  return groups.map((g) => parseInt(g, 16).toString(16));
}
