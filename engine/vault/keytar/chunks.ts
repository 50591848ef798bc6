/**
 * Splitting secrets that are too large for one keychain entry. Windows' Credential Manager holds
 * at most 2560 bytes per credential, less than a kubeconfig with embedded certificates. A large
 * secret is stored as chunks under `<account>#<n>` (accounts the ref parser never accepts, so
 * `list` does not see them), and the account itself holds a head `MARKER + count`.
 */
export const CHUNK_MARKER = 'kubedb-dbaas-chunked:v1:';

/**
 * 600 code points of at most 4 UTF-8 bytes each stay under Windows' 2560-byte limit. Elsewhere
 * (macOS Keychain, Secret Service) entries are large enough for anything the engine keeps.
 */
export const DEFAULT_MAX_CODE_POINTS =
  process.platform === 'win32' ? 600 : Number.POSITIVE_INFINITY;

/** The account of chunk `index` of `account`. */
export function chunkAccount(account: string, index: number): string {
  return `${account}#${index}`;
}

/**
 * The chunks to store for `secret`, or null when it fits in one entry. A secret that itself starts
 * with the marker is always chunked, so a head is never mistaken for a secret.
 */
export function splitSecret(secret: string, maxCodePoints: number): string[] | null {
  if (secret.length <= maxCodePoints && !secret.startsWith(CHUNK_MARKER)) return null;
  // Code points, not UTF-16 units, so that no chunk ends inside a surrogate pair.
  const points = Array.from(secret);
  if (points.length <= maxCodePoints && !secret.startsWith(CHUNK_MARKER)) return null;
  const size = Number.isFinite(maxCodePoints)
    ? Math.max(1, Math.floor(maxCodePoints))
    : points.length;
  const chunks: string[] = [];
  for (let start = 0; start < points.length; start += size)
    chunks.push(points.slice(start, start + size).join(''));
  return chunks;
}

/** The chunk count a stored head announces, or null when the value is a whole secret. */
export function chunkCountOf(value: string | null): number | null {
  if (value === null || !value.startsWith(CHUNK_MARKER)) return null;
  const count = Number(value.slice(CHUNK_MARKER.length));
  return Number.isInteger(count) && count > 0 ? count : null;
}
