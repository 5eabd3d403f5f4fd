/**
 * The address the rate limit counts: the socket peer, unless the peer is a trusted proxy
 * (nginx in front of us), in which case the address the proxy reports, if it is one.
 */
import { isIP } from "node:net";

/** The longest address the ApiRateLimit table holds (an IPv6 address with an IPv4 tail). */
const MAX_ADDRESS_LENGTH = 45;

function normalise(address: string): string {
  const trimmed = address.trim();
  return trimmed.startsWith("::ffff:") && trimmed.includes(".") ? trimmed.slice(7) : trimmed;
}

/**
 * Whether a forwarded value can be counted as an address. Anything else (a misconfigured
 * proxy, a header passed through from the client) would not fit the table's column and
 * is not an address anyone could be limited by.
 */
function isAddress(value: string): boolean {
  return value.length <= MAX_ADDRESS_LENGTH && isIP(value) !== 0;
}

// The configured list is the same array on every request; its set is built once.
let trustedList: readonly string[] | undefined;
let trustedSet = new Set<string>();

function trustedAddresses(trustedProxies: readonly string[]): Set<string> {
  if (trustedProxies !== trustedList) {
    trustedList = trustedProxies;
    trustedSet = new Set(trustedProxies.map(normalise));
  }
  return trustedSet;
}

export function clientAddress(
  peer: string,
  headers: { realIp?: string | undefined; forwardedFor?: string | undefined },
  trustedProxies: readonly string[],
): string {
  const from = normalise(peer);
  const trusted = trustedAddresses(trustedProxies);
  if (!trusted.has(from)) return from;
  if (headers.realIp?.trim()) {
    const real = normalise(headers.realIp);
    return isAddress(real) ? real : from;
  }
  if (headers.forwardedFor) {
    // The right-most address a trusted proxy did not add is the client's.
    const hops = headers.forwardedFor.split(",").map(normalise).filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!trusted.has(hops[i]!)) return isAddress(hops[i]!) ? hops[i]! : from;
    }
  }
  return from;
}
