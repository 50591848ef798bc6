/**
 * Wire shapes the console reads: entities from engine/domain and every response shape from
 * engine/api/contracts.ts, as types only — nothing is restated here.
 */
import type {
  ChangeResponse as PatchResponse,
  CreateResponse,
} from '../../../../engine/api/contracts';
import type {
  DatabaseStatusEvent,
  OperationProgressEvent,
  ProviderHealthEvent,
} from '../../../../engine/domain';

export type * from './domain-types';

export type { SessionUser, TokenResponse } from '../../../shared/api/session';

export type {
  ChangeResponse as PatchResponse,
  CreateResponse,
  CredentialsResponse as Credentials,
  DatabaseEventEntry as DatabaseEventItem,
  DatabaseDetailResponse as DatabaseDetailView,
  DatabaseEventsResponse,
  DetailSectionError,
  DryRunResponse,
  FleetVersion as VersionItem,
  ItemsResponse,
  KubeContext,
  ManifestResponse as ManifestView,
  MetricsResponse,
  MetricSeries,
  PublicProvider,
  WireKubeObject as KubeObject,
} from '../../../../engine/api/contracts';

/** A create or change answer: create answers have no `operations`, PATCH and actions do. */
export type ChangeResponse = CreateResponse & Partial<Pick<PatchResponse, 'operations'>>;

/** The payloads of the engine's events (engine/domain/events.ts). */
export type DatabaseStatusEventData = DatabaseStatusEvent['data'];
export type OperationProgressEventData = OperationProgressEvent['data'];
export type ProviderHealthEventData = ProviderHealthEvent['data'];

export type { ErrorBody, ListResponse } from '../../../../engine/api/contracts';
