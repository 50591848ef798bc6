import type { DatabaseStatus, Engine, OperationStatus, OperationType } from '../domain';

/** Fields the store relies on in every mutable record; all domain entities with `revision` have them. */
export interface StoredRecord {
  id: string;
  /** Optimistic-concurrency counter: 1 after `create`, +1 on every `update`. */
  revision: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * An issued refresh token (the domain has no such type yet). Only a hash of the token is kept.
 * Rotation: `revoke` marks the old one and the auth service creates the next with `replacedBy` set.
 */
export interface RefreshToken {
  id: string;
  userId: string;
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  tokenHash: string;
  createdAt: string;
  /** After this time the token is refused and may be pruned (a TTL index on MongoDB). */
  expiresAt: string;
  revokedAt: string | null;
  /** The id of the token that replaced this one on rotation; reuse of a replaced token is theft. */
  replacedBy: string | null;
  /**
   * Who rotated it: a fingerprint (a hash of address and user agent) of the client that presented
   * it, so that the same client presenting it again within a few seconds (two tabs refreshing at
   * once) is not taken for a thief. Absent on tokens not rotated (or rotated before this existed).
   */
  rotatedBy?: string | null;
}

/** One point of a database metric (`cpu`, `memory`, `connections`, ...), kept for 24 hours. */
export interface MetricSample {
  databaseId: string;
  /** Epoch milliseconds. */
  t: number;
  name: string;
  value: number;
}

/** How long metric samples are kept (API.md's longest range is 24h). */
export const METRIC_RETENTION_MS = 24 * 60 * 60 * 1000;

/** A generic key/value entry (leader lease bookkeeping, fencing tokens, one-off flags). */
export interface MetaEntry {
  key: string;
  /** Any JSON value. */
  value: unknown;
  /** 1 after the first put, +1 on every put; the compare-and-set handle. */
  revision: number;
}

/** A (domain, project) a caller may see; without `project` the whole domain. */
export interface TenantScope {
  domain: string;
  project?: string;
}

/** Filters of `GET /databases`. All given fields must match. */
export interface DatabaseFilter {
  domain?: string;
  project?: string;
  engine?: Engine;
  /**
   * One status or any of several. Without it DELETED databases are left out (they are history,
   * not inventory) unless `includeDeleted` is set.
   */
  status?: DatabaseStatus | readonly DatabaseStatus[];
  includeDeleted?: boolean;
  providerId?: string;
  /** A case-insensitive substring of the name. */
  q?: string;
  /** Only these databases (a batched re-read); an empty array matches nothing. */
  ids?: readonly string[];
  /**
   * RBAC: only databases inside one of these scopes. Absent = no restriction (a global binding);
   * an empty array = nothing is visible.
   */
  scopes?: readonly TenantScope[];
}

/** Filters of `GET /operations`. */
export interface OperationFilter {
  databaseId?: string;
  status?: OperationStatus | readonly OperationStatus[];
  type?: OperationType | readonly OperationType[];
  /**
   * RBAC: only operations of databases (of any status) inside one of these scopes. Applied by the
   * store's query itself, before paging, so that pages and cursors see permitted rows only.
   * Absent = no restriction; an empty array = nothing is visible.
   */
  scopes?: readonly TenantScope[];
}

/** Filters of `GET /audit`; `from`/`to` are ISO times, inclusive. */
export interface AuditFilter {
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
}

export interface ProjectFilter {
  domain?: string;
}

export interface BackupFilter {
  databaseId?: string;
}

export interface ApiKeyFilter {
  /** The user id that created the keys. */
  createdBy?: string;
}

/** No filter: the collection is listed whole (still paged). */
export type NoFilter = Record<string, never>;
