import {
  DATABASE_ID_LABEL,
  DOMAIN_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  PROJECT_LABEL,
} from './types';

/** 32-bit FNV-1a as 8 hex characters: a short, stable fingerprint of an id. */
export function shortHash(value: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < value.length; index += 1) {
    hash ^= value.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * `<prefix>-<suffix>` kept within `max` characters by shortening the prefix, so the suffix (which
 * makes the name unique) always survives and the name never ends with '-'.
 */
export function joinName(prefix: string, suffix: string, max = 63): string {
  const room = max - suffix.length - 1;
  const head = prefix.slice(0, Math.max(1, room)).replace(/-+$/, '');
  return `${head}-${suffix}`;
}

/** The name of a Redis database's RedisSentinel object (sentinel mode). */
export function sentinelName(databaseName: string): string {
  return `${databaseName}-sentinel`;
}

/** The labels of every object that belongs to one database. User labels come first; ours win. */
export function databaseLabels(database: {
  id: string;
  domain: string;
  project: string;
  labels?: Record<string, string>;
}): Record<string, string> {
  return {
    ...(database.labels ?? {}),
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [DATABASE_ID_LABEL]: database.id,
    [DOMAIN_LABEL]: database.domain,
    [PROJECT_LABEL]: database.project,
  };
}
