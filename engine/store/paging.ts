import { ValidationError } from '../base/errors';

/** `?limit` default and maximum (API.md). */
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

/** Which page to read. */
export interface PageRequest {
  /** Default 50; clamped to 1..500 (the API validates before; the store never reads more than 500). */
  limit?: number;
  /** `nextCursor` of the previous page; absent or null for the first. */
  cursor?: string | null;
}

/** One page; `nextCursor` is null on the last one. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The limit to use for a request. */
export function pageLimit(page: PageRequest = {}): number {
  const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isFinite(limit)) return DEFAULT_PAGE_LIMIT;
  return Math.min(MAX_PAGE_LIMIT, Math.max(1, Math.floor(limit)));
}

/**
 * A position in a list ordered by (createdAt, id), or by sequence for the audit log. Opaque to
 * clients: base64url of a small JSON array, so adapters can change it without breaking the API
 * contract that a cursor is a string.
 */
export type CursorKey = [number, string] | [number];

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor or throws `ValidationError` naming `cursor`. */
export function decodeCursor(cursor: string): CursorKey {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      typeof key[0] === 'number' &&
      Number.isFinite(key[0]) &&
      (key.length === 1 || (key.length === 2 && typeof key[1] === 'string'))
    ) {
      return key as CursorKey;
    }
  } catch {
    // fall through to the one error below
  }
  throw new ValidationError('the cursor is invalid', [
    {
      path: 'cursor',
      rule: 'cursor',
      message: 'cursor must be a nextCursor returned by this list',
    },
  ]);
}

/** Epoch milliseconds of an ISO time, or `ValidationError` naming `field`. */
export function toEpochMs(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new ValidationError(`${field} is not a time`, [
      { path: field, rule: 'datetime', message: `${field} must be an ISO-8601 time` },
    ]);
  }
  return ms;
}
