import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses a kubeconfig may not point the engine at unless an admin allows it (SSRF): the engine's
 * own host (loopback, unspecified), link-local ranges (which include cloud metadata services) and
 * the well-known metadata names. Private ranges are allowed: real clusters live there.
 */
const blocked = new BlockList();
blocked.addSubnet('127.0.0.0', 8, 'ipv4');
blocked.addSubnet('0.0.0.0', 8, 'ipv4');
blocked.addSubnet('169.254.0.0', 16, 'ipv4');
blocked.addSubnet('100.100.100.200', 32, 'ipv4'); // Alibaba Cloud metadata
blocked.addAddress('::1', 'ipv6');
blocked.addAddress('::', 'ipv6');
blocked.addSubnet('fe80::', 10, 'ipv6');
blocked.addSubnet('fd00:ec2::', 32, 'ipv6'); // AWS IMDS over IPv6

const BLOCKED_NAMES = new Set([
  'localhost',
  'metadata',
  'metadata.google.internal',
  'instance-data',
]);

export interface AddressVerdict {
  allowed: boolean;
  reason?: string;
}

/** Decides on one literal address. */
export function checkAddress(address: string): AddressVerdict {
  const unbracketed = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(unbracketed)?.[1];
  const ip = mapped ?? unbracketed;
  const family = isIP(ip);
  if (family === 0) return { allowed: true };
  if (blocked.check(ip, family === 4 ? 'ipv4' : 'ipv6')) {
    return {
      allowed: false,
      reason: `${ip} is a loopback, link-local or metadata address`,
    };
  }
  return { allowed: true };
}

/**
 * Checks a cluster's server URL: the host name itself and every address it resolves to, so that a
 * DNS name pointing at 127.0.0.1 or 169.254.169.254 is refused too.
 */
export async function checkServerUrl(
  server: string,
  ownHosts: readonly string[] = [],
  resolve: (host: string) => Promise<string[]> = defaultResolve,
): Promise<AddressVerdict> {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return { allowed: false, reason: 'the server is not a valid URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { allowed: false, reason: 'the server URL must use https or http' };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (BLOCKED_NAMES.has(host) || ownHosts.map((h) => h.toLowerCase()).includes(host)) {
    return { allowed: false, reason: `${host} is the engine's own host or a metadata name` };
  }
  const literal = checkAddress(host);
  if (!literal.allowed || isIP(host) !== 0) return literal;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    // An unresolvable name is reported by the health check, not refused here.
    return { allowed: true };
  }
  for (const address of addresses) {
    const verdict = checkAddress(address);
    if (!verdict.allowed)
      return { allowed: false, reason: `${host} resolves to ${verdict.reason ?? address}` };
  }
  return { allowed: true };
}

async function defaultResolve(host: string): Promise<string[]> {
  const results = await lookup(host, { all: true, verbatim: true });
  return results.map((r) => r.address);
}
