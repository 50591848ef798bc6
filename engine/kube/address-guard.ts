import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { hostname as osHostname, networkInterfaces } from 'node:os';

/**
 * Addresses a kubeconfig may not point the engine at unless an admin allows it (SSRF): the engine's
 * own host (loopback, unspecified, its interface addresses), link-local ranges (which include cloud
 * metadata services), multicast/broadcast and the well-known metadata names. IPv4 addresses hidden
 * inside IPv6 (mapped, compatible, translated, NAT64, 6to4, Teredo) are unwrapped and checked too.
 * Private ranges are allowed: real clusters live there.
 */
const blocked = new BlockList();
blocked.addSubnet('127.0.0.0', 8, 'ipv4');
blocked.addSubnet('0.0.0.0', 8, 'ipv4');
blocked.addSubnet('169.254.0.0', 16, 'ipv4');
blocked.addSubnet('224.0.0.0', 3, 'ipv4'); // multicast, reserved and broadcast
blocked.addSubnet('100.100.100.200', 32, 'ipv4'); // Alibaba Cloud metadata
blocked.addAddress('::1', 'ipv6');
blocked.addAddress('::', 'ipv6');
blocked.addSubnet('fe80::', 10, 'ipv6');
blocked.addSubnet('ff00::', 8, 'ipv6');
blocked.addSubnet('fd00:ec2::', 32, 'ipv6'); // AWS IMDS over IPv6

const BLOCKED_NAMES = new Set([
  'localhost',
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);

export interface AddressVerdict {
  allowed: boolean;
  reason?: string;
}

/** Where the guard learns names' addresses and the host's own addresses (injected by tests). */
export interface AddressGuardOptions {
  /** Extra names of the engine's own host (its configured host name). */
  ownHosts?: readonly string[];
  resolve?: (host: string) => Promise<string[]>;
  /** The host's own interface addresses; `os.networkInterfaces()` by default. */
  ownAddresses?: () => readonly string[];
}

/** Lower case, no brackets, no zone id, no trailing dots: the form every check compares. */
export function normalizeHost(host: string): string {
  return host
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '')
    .replace(/\.+$/, '')
    .toLowerCase();
}

/** The eight 16-bit groups of an IPv6 address (already validated by `isIP`). */
function ipv6Groups(ip: string): number[] {
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4) {
    const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
    text =
      text.slice(0, -v4.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined): number[] =>
    part ? part.split(':').map((group) => parseInt(group, 16)) : [];
  const left = parse(head);
  const right = parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}

function v4Of(high: number, low: number): string {
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** IPv4 addresses an IPv6 address carries (mapped, compatible, translated, NAT64, 6to4, Teredo). */
function embeddedIpv4(ip: string): string[] {
  const g = ipv6Groups(ip);
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const found: string[] = [];
  const zeroPrefix = (n: number) => g.slice(0, n).every((x) => x === 0);
  // ::a.b.c.d (compatible), ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (translated)
  if (zeroPrefix(5) && (g5 === 0 || g5 === 0xffff)) found.push(v4Of(g6, g7));
  if (zeroPrefix(4) && g4 === 0xffff && g5 === 0) found.push(v4Of(g6, g7));
  // 64:ff9b::/96 (NAT64) and 64:ff9b:1::/48 (local-use NAT64)
  if (g0 === 0x64 && g1 === 0xff9b) found.push(v4Of(g6, g7));
  // 2002::/16 (6to4)
  if (g0 === 0x2002) found.push(v4Of(g1, g2));
  // 2001:0::/32 (Teredo): server in groups 2-3, client (inverted) in groups 6-7
  if (g0 === 0x2001 && g1 === 0) {
    found.push(v4Of(g2, g3), v4Of(~g6 & 0xffff, ~g7 & 0xffff));
  }
  return found;
}

/** One spelling per address, so that `0:0:0:0:0:0:0:1` and `::1` compare equal. */
function canonicalIp(address: string): string {
  const ip = normalizeHost(address);
  return isIP(ip) === 6
    ? ipv6Groups(ip)
        .map((group) => group.toString(16))
        .join(':')
    : ip;
}

function defaultOwnAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((entry) => normalizeHost(entry.address));
}

/** Decides on one literal address. A name (not an IP) is allowed here: see `checkHost`. */
export function checkAddress(
  address: string,
  ownAddresses: () => readonly string[] = defaultOwnAddresses,
): AddressVerdict {
  const ip = normalizeHost(address);
  const family = isIP(ip);
  if (family === 0) return { allowed: true };
  const candidates = family === 6 ? [ip, ...embeddedIpv4(ip)] : [ip];
  for (const candidate of candidates) {
    const kind = isIP(candidate) === 4 ? 'ipv4' : 'ipv6';
    if (blocked.check(candidate, kind)) {
      return {
        allowed: false,
        reason: `${ip} is a loopback, link-local, multicast or metadata address`,
      };
    }
  }
  const own = new Set(ownAddresses().map(canonicalIp));
  if (candidates.some((candidate) => own.has(canonicalIp(candidate)))) {
    return { allowed: false, reason: `${ip} is an address of the engine's own host` };
  }
  return { allowed: true };
}

function checkName(host: string, ownHosts: readonly string[]): AddressVerdict {
  const own = [...ownHosts, osHostname()].map(normalizeHost).filter((name) => name !== '');
  if (BLOCKED_NAMES.has(host) || host.endsWith('.localhost') || own.includes(host)) {
    return { allowed: false, reason: `${host} is the engine's own host or a metadata name` };
  }
  return { allowed: true };
}

/** The addresses a host connects to, each checked; a verdict when one (or the name) is refused. */
async function resolveChecked(
  rawHost: string,
  options: AddressGuardOptions,
): Promise<{ addresses: string[] } | { refused: string }> {
  const host = normalizeHost(rawHost);
  const name = checkName(host, options.ownHosts ?? []);
  if (!name.allowed) return { refused: name.reason ?? host };
  const ownAddresses = options.ownAddresses ?? defaultOwnAddresses;
  if (isIP(host) !== 0) {
    const verdict = checkAddress(host, ownAddresses);
    return verdict.allowed ? { addresses: [host] } : { refused: verdict.reason ?? host };
  }
  let addresses: string[];
  try {
    addresses = await (options.resolve ?? defaultResolve)(host);
  } catch {
    addresses = [];
  }
  if (addresses.length === 0) return { refused: `${host} does not resolve` };
  for (const address of addresses) {
    const verdict = checkAddress(address, ownAddresses);
    if (!verdict.allowed) {
      const why = (verdict.reason ?? '').replace(/^\S+ is /, 'which is ');
      return { refused: `${host} resolves to ${address}${why ? `, ${why}` : ''}` };
    }
  }
  return { addresses };
}

/**
 * Checks a host (a name or a literal): the name itself and every address it resolves to, so that
 * a name pointing at 127.0.0.1 or 169.254.169.254 is refused too. A name that does not resolve is
 * refused: it could be pointed at this host later.
 */
export async function checkHost(
  rawHost: string,
  options: AddressGuardOptions = {},
): Promise<AddressVerdict> {
  const result = await resolveChecked(rawHost, options);
  return 'refused' in result ? { allowed: false, reason: result.refused } : { allowed: true };
}

/** Checks a cluster's server URL (scheme, then its host as `checkHost` does). */
export async function checkServerUrl(
  server: string,
  ownHosts: readonly string[] = [],
  resolve?: (host: string) => Promise<string[]>,
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
  return checkHost(url.hostname, { ownHosts, resolve });
}

async function defaultResolve(host: string): Promise<string[]> {
  const results = await dnsLookup(host, { all: true, verbatim: true });
  return results.map((r) => r.address);
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for `net.connect` that refuses, on every connection, the addresses the guard refuses. */
export type GuardedLookup = (
  hostname: string,
  options: { all?: boolean } | number | undefined,
  callback: LookupCallback,
) => void;

/** The per-connection side of the guard: what every socket to a cluster or proxy goes through. */
export interface ConnectionGuard {
  lookup: GuardedLookup;
  /** Checks a host now and returns one allowed address to connect to (for proxies named by host). */
  pin(host: string): Promise<string>;
  /** Checks a literal host (literals never go through `lookup`). */
  checkLiteral(host: string): AddressVerdict;
}

export class AddressRefusedError extends Error {
  readonly code = 'EADDRREFUSED';
  constructor(readonly reason: string) {
    super(`address refused: ${reason}`);
    this.name = 'AddressRefusedError';
  }
}

/**
 * Builds the guard that every connection passes, so a name re-pointed at this host after
 * registration (DNS rebinding) is refused when the socket is opened, not only when it was registered.
 */
export function createConnectionGuard(options: AddressGuardOptions = {}): ConnectionGuard {
  const addressesOf = async (host: string): Promise<string[]> => {
    const result = await resolveChecked(host, options);
    if ('refused' in result) throw new AddressRefusedError(result.refused);
    return result.addresses;
  };
  return {
    lookup(hostname, lookupOptions, callback) {
      const all = typeof lookupOptions === 'object' && lookupOptions?.all === true;
      addressesOf(hostname).then(
        (addresses) => {
          const entries = addresses.map((address) => ({ address, family: isIP(address) }));
          if (all) callback(null, entries);
          else callback(null, entries[0]!.address, entries[0]!.family);
        },
        (error: NodeJS.ErrnoException) => callback(error, all ? [] : ''),
      );
    },
    pin: async (host) => (await addressesOf(host))[0]!,
    checkLiteral(host) {
      const normal = normalizeHost(host);
      const name = checkName(normal, options.ownHosts ?? []);
      if (!name.allowed) return name;
      return checkAddress(normal, options.ownAddresses);
    },
  };
}
