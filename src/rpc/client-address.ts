/**
 * The address the rate limit counts: the socket peer, unless the peer is a trusted proxy
 * (nginx in front of us), in which case the address the proxy reports.
 */

function normalise(address: string): string {
  const trimmed = address.trim();
  return trimmed.startsWith("::ffff:") && trimmed.includes(".") ? trimmed.slice(7) : trimmed;
}

export function clientAddress(
  peer: string,
  headers: { realIp?: string | undefined; forwardedFor?: string | undefined },
  trustedProxies: readonly string[],
): string {
  const from = normalise(peer);
  const trusted = new Set(trustedProxies.map(normalise));
  if (!trusted.has(from)) return from;
  if (headers.realIp?.trim()) return normalise(headers.realIp);
  if (headers.forwardedFor) {
    // The right-most address a trusted proxy did not add is the client's.
    const hops = headers.forwardedFor.split(",").map(normalise).filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) if (!trusted.has(hops[i]!)) return hops[i]!;
  }
  return from;
}
