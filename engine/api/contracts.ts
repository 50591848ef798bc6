/**
 * Wire types of the HTTP API (API.md): every response shape, defined once. Route handlers are typed
 * by them (a service whose answer drifts from its contract does not compile) and the renderer
 * imports them as types only, so this file imports nothing but types from base and domain.
 */
import type { ErrorCode, ErrorDetail } from '../base/errors';
import type {
  Database,
  DriftEntry,
  DriftHistoryEntry,
  DriftPolicy,
  Engine,
  Operation,
  Provider,
} from '../domain';

export type * from './contracts-backup';

/** The body of every error answer. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    details: readonly ErrorDetail[];
    requestId?: string;
  };
}

/** `GET /api/v1/health`: the process is alive. */
export interface HealthResponse {
  status: 'ok';
  version: string;
  mode: 'daemon' | 'desktop';
  uptimeSeconds: number;
}

/** One readiness check, e.g. the store, the queue or leadership. */
export interface ReadinessCheck {
  name: string;
  ok: boolean;
  message?: string;
}

/** `GET /api/v1/health/ready`: 200 when every check passes, 503 otherwise. */
export interface ReadinessResponse {
  ready: boolean;
  role: 'leader' | 'follower';
  checks: ReadinessCheck[];
}

/** A list page, as every paged list route answers. */
export interface ListResponse<T> {
  items: T[];
  nextCursor: string | null;
}

/** A whole list that is never paged (`GET /versions`, `POST /providers/contexts`). */
export interface ItemsResponse<T> {
  items: T[];
}

/**
 * A Kubernetes object as manifest answers carry it. `spec` and `status` are whatever the CRDs say,
 * so they stay unknown here; the engine's own, stricter `KubeObject` is assignable to this.
 */
export interface WireKubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

/** A provider as the API shows it: never its vault reference. */
export type PublicProvider = Omit<Provider, 'vaultRef'>;

/** One context of a kubeconfig (`POST /providers/contexts` lists them, `items`). */
export interface KubeContext {
  name: string;
  cluster: string;
  server: string;
  user: string;
  current: boolean;
  /** Why registering this context would be refused (the same guard as `POST /providers`). */
  problem?: ErrorDetail;
}

/** One entry of `GET /versions` (`items`): a catalog version across the fleet. */
export interface FleetVersion {
  engine: Engine;
  /** The catalog object name — what `version` and `targetVersion` take. */
  version: string;
  /** The upstream version the catalog object packages. */
  upstreamVersion: string;
  distribution: string | null;
  deprecated: boolean;
  endOfLife: boolean;
  /** Catalog names this version may update to. */
  upgradeTargets: string[];
  /** The clusters that offer it. */
  providerIds: string[];
}

/** `POST /databases` (202): the new database and the operation that provisions it. */
export interface CreateResponse {
  database: Database;
  operation: Operation;
}

/** `PATCH /databases/:id` and the actions: the database as now desired and every operation queued. */
export interface ChangeResponse extends CreateResponse {
  operations: Operation[];
}

/** Any `?dryRun=true` answer: what would be applied. */
export interface DryRunResponse {
  manifests: WireKubeObject[];
}

/** `GET /databases/:id/manifest`. */
export interface ManifestResponse {
  desired: WireKubeObject;
  live: WireKubeObject | null;
  drift: DriftEntry[];
}

/** `GET /databases/:id/credentials`: read from the cluster's auth secret, never stored. */
export interface CredentialsResponse {
  username: string;
  password: string;
  host: string;
  port: number;
  connectionString: string;
}

/** One series of `GET /databases/:id/metrics`: points are `[epoch ms, value]`. */
export interface MetricSeries {
  name: 'cpu' | 'memory';
  unit: 'cores' | 'bytes';
  points: [number, number][];
}

/** `GET /databases/:id/metrics?range=`. */
export interface MetricsResponse {
  series: MetricSeries[];
}

/** One entry of `GET /databases/:id/events`: a Kubernetes event or one of the engine's own. */
export interface DatabaseEventEntry {
  time: string;
  source: 'kubernetes' | 'engine';
  type: string;
  reason: string;
  message: string;
  object?: string;
}

/** `GET /databases/:id/events`; `partial` when a cluster could not be asked. */
export interface DatabaseEventsResponse {
  items: DatabaseEventEntry[];
  partial: boolean;
}

/** A part of `GET /databases/:id/detail` that could not be read, with its error. */
export interface DetailSectionError {
  error: ErrorBody['error'];
}

/** `GET /databases/:id/detail`: everything the detail screen shows, in one read. */
export interface DatabaseDetailResponse {
  database: Database;
  /** Newest first, at most 20. */
  operations: Operation[];
  manifest: ManifestResponse | DetailSectionError;
  events: DatabaseEventsResponse | DetailSectionError;
  /** The last hour. */
  metrics: MetricsResponse | DetailSectionError;
  /**
   * Drift that was repaired, adopted, refused or changed back by hand, oldest first (at most 20):
   * what changed outside the console stays visible after it was dealt with.
   */
  driftHistory: DriftHistoryEntry[];
  /**
   * What the engine does with the database's drift: its project's policy, and whether the caller
   * may change it (an admin of the domain, `PATCH /domains/:domain/projects/:project`).
   */
  driftPolicy: { policy: DriftPolicy; canChange: boolean };
}
