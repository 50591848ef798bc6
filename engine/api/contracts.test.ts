import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { CatalogVersion } from '../kubedb/catalog';
import type { KubeContextSummary } from '../kube/kubeconfig';
import type {
  ChangeResult,
  CreateResult,
  Credentials,
  DatabaseEventEntry as ServiceEventEntry,
  DryRunResult,
  FleetVersion as ServiceFleetVersion,
  ManifestView,
  MetricSeries as ServiceMetricSeries,
  PublicProvider as ServicePublicProvider,
  Services,
} from '../services';
import type {
  ChangeResponse,
  CreateResponse,
  CredentialsResponse,
  DatabaseEventEntry,
  DatabaseEventsResponse,
  DryRunResponse,
  FleetVersion,
  KubeContext,
  ManifestResponse,
  MetricSeries,
  MetricsResponse,
  PublicProvider,
} from './contracts';

const RENDERER_TYPES = join(import.meta.dirname, '../../src/renderer/src/api/types.ts');

type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

describe('the wire contract', () => {
  it('is what the services answer (checked by the type checker: tsc -b fails on a drift)', () => {
    expectTypeOf<CreateResult>().toEqualTypeOf<CreateResponse>();
    expectTypeOf<ChangeResult>().toEqualTypeOf<ChangeResponse>();
    expectTypeOf<DryRunResult>().toExtend<DryRunResponse>();
    expectTypeOf<ManifestView>().toExtend<ManifestResponse>();
    expectTypeOf<Credentials>().toEqualTypeOf<CredentialsResponse>();
    expectTypeOf<ServiceMetricSeries>().toEqualTypeOf<MetricSeries>();
    expectTypeOf<ServiceEventEntry>().toEqualTypeOf<DatabaseEventEntry>();
    expectTypeOf<ServicePublicProvider>().toEqualTypeOf<PublicProvider>();
    expectTypeOf<ServiceFleetVersion>().toEqualTypeOf<FleetVersion>();
    expectTypeOf<CatalogVersion & { providerIds: string[] }>().toExtend<FleetVersion>();
    expectTypeOf<FleetVersion>().toExtend<CatalogVersion & { providerIds: string[] }>();
    expectTypeOf<KubeContextSummary>().toEqualTypeOf<KubeContext>();
    expectTypeOf<Answer<Services['observations']['metrics']>>().toExtend<MetricsResponse>();
    expectTypeOf<
      Answer<Services['observations']['events']>
    >().toEqualTypeOf<DatabaseEventsResponse>();
    expectTypeOf<Answer<Services['databases']['create']>>().toExtend<
      CreateResponse | DryRunResponse
    >();
  });

  it('is not restated by the renderer: its api types only re-export it', () => {
    const source = readFileSync(RENDERER_TYPES, 'utf8');
    expect(source).not.toMatch(/^export interface /m);
    expect(source).toMatch(/from '\.\.\/\.\.\/\.\.\/\.\.\/engine\/api\/contracts'/);
  });
});
