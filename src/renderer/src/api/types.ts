/**
 * Wire shapes the console reads. Entities come from engine/domain as types only; shapes that the
 * engine's services define (and the renderer may not import) are restated here from API.md.
 */
import type {
  Database,
  DatabaseStatusEvent,
  OperationProgressEvent,
  ProviderHealthEvent,
  Engine,
  Operation,
  Provider,
} from '../../../../engine/domain';

import type { ErrorBody } from '../../../../engine/api/contracts';

export type * from './domain-types';

/** A provider as the API shows it (no vault reference). */
export type PublicProvider = Omit<Provider, 'vaultRef'>;

export type { SessionUser, TokenResponse } from '../../../shared/api/session';

/** One entry of `GET /versions`. */
export interface VersionItem {
  engine: Engine;
  version: string;
  deprecated: boolean;
  upgradeTargets: string[];
  providerIds?: string[];
}

/** `POST /providers/contexts`. */
export interface KubeContext {
  name: string;
  cluster: string;
  server: string;
  user: string;
  current: boolean;
  /** Why registering this context would be refused (the same guard as `POST /providers`). */
  problem?: { path: string; rule: string; message: string };
}

/** `GET /databases/:id/credentials`. */
export interface Credentials {
  username: string;
  password: string;
  host: string;
  port: number;
  connectionString: string;
}

/** A Kubernetes object as manifests carry it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** `GET /databases/:id/manifest`. */
export interface ManifestView {
  desired: KubeObject;
  live: KubeObject | null;
  drift: { path: string; desired: unknown; live: unknown }[];
}

/** `GET /databases/:id/metrics?range=` (the lead's contract). */
export interface MetricsResponse {
  series: { name: string; unit: string; points: [number | string, number][] }[];
}

/** `GET /databases/:id/events`: Kubernetes and product events, fields read leniently. */
export interface DatabaseEventItem {
  time?: string;
  lastTimestamp?: string;
  type?: string;
  reason?: string;
  message?: string;
  source?: string;
  kind?: string;
}

/** A part of `GET /databases/:id/detail` that could not be read, with its error. */
export interface DetailSectionError {
  error: ErrorBody['error'];
}

/** `GET /databases/:id/detail`: everything the detail screen shows, in one read. */
export interface DatabaseDetailView {
  database: Database;
  /** Newest first, at most 20. */
  operations: Operation[];
  manifest: ManifestView | DetailSectionError;
  events: { items: DatabaseEventItem[]; partial?: boolean } | DetailSectionError;
  /** The last hour. */
  metrics: MetricsResponse | DetailSectionError;
}

/** `POST /databases` and `PATCH /databases/:id` (not dry runs). */
export interface ChangeResponse {
  database: Database;
  operation: Operation;
  operations?: Operation[];
}

/** `?dryRun=true` answers. */
export interface DryRunResponse {
  manifests: KubeObject[];
}

/** The payloads of the engine's events (engine/domain/events.ts). */
export type DatabaseStatusEventData = DatabaseStatusEvent['data'];
export type OperationProgressEventData = OperationProgressEvent['data'];
export type ProviderHealthEventData = ProviderHealthEvent['data'];

export type { ErrorBody, ListResponse } from '../../../../engine/api/contracts';
