import { EngineError, isEngineError } from '../base/errors';
import type { Database } from '../domain';
import type { KubeObject } from '../kubedb/types';
import type { Grant } from './auth/access';
import type { ServiceContext } from './context';
import type { ProviderService } from './providers';

/** `GET /databases/:id/metrics` ranges (API.md). */
export const METRIC_RANGES = {
  '15m': 15 * 60_000,
  '1h': 60 * 60_000,
  '6h': 6 * 60 * 60_000,
  '24h': 24 * 60 * 60_000,
} as const;
export type MetricRange = keyof typeof METRIC_RANGES;

/** One series of a database's metrics. */
export interface MetricSeries {
  name: 'cpu' | 'memory';
  unit: 'cores' | 'bytes';
  points: [number, number][];
}

/** One entry of `GET /databases/:id/events`: a Kubernetes event or one of the product's own. */
export interface DatabaseEventEntry {
  time: string;
  source: 'kubernetes' | 'engine';
  type: string;
  reason: string;
  message: string;
  object?: string;
}

/** At most this many points per series: enough for a chart, small for the wire. */
const MAX_POINTS = 300;

/** Reads about a database's behaviour: metric series from the store and events from both worlds. */
export class DatabaseObservations {
  constructor(
    private readonly context: ServiceContext,
    private readonly providers: ProviderService,
  ) {}

  async metrics(
    id: string,
    range: MetricRange = '1h',
    grant?: Grant,
  ): Promise<{ series: MetricSeries[] }> {
    const database = await this.live(id, grant);
    const to = this.context.now().getTime();
    const samples = await this.context.store.metrics.query(database.id, {
      from: to - METRIC_RANGES[range],
      to,
    });
    const series: MetricSeries[] = [
      { name: 'cpu', unit: 'cores', points: [] },
      { name: 'memory', unit: 'bytes', points: [] },
    ];
    for (const sample of samples) {
      series.find((s) => s.name === sample.name)?.points.push([sample.t, sample.value]);
    }
    return { series: series.map((s) => ({ ...s, points: downsample(s.points, MAX_POINTS) })) };
  }

  /**
   * The database's Kubernetes events (those about its object and pods) and the product's own (its
   * operations), newest first. An unreachable cluster leaves out the Kubernetes part and says so.
   */
  async events(
    id: string,
    grant?: Grant,
  ): Promise<{ items: DatabaseEventEntry[]; partial: boolean }> {
    const database = await this.live(id, grant);
    const items: DatabaseEventEntry[] = [];
    let partial = false;
    try {
      const client = await this.providers.clientFor(
        await this.context.store.providers.get(database.providerId),
      );
      const page = await client.list('v1', 'Event', { namespace: database.namespace, limit: 500 });
      for (const event of page.items) {
        if (!concerns(event, database.name)) continue;
        items.push(toEntry(event));
      }
    } catch (error) {
      if (!isEngineError(error)) throw error;
      partial = true;
    }
    const operations = await this.context.store.operations.list(
      { databaseId: database.id },
      { limit: 100 },
    );
    for (const operation of operations.items) {
      items.push({
        time: operation.finishedAt ?? operation.startedAt ?? operation.createdAt,
        source: 'engine',
        type: operation.status === 'FAILED' ? 'Warning' : 'Normal',
        reason: `operation.${operation.type}`,
        message: operation.error
          ? `${operation.status}: ${operation.error.message}`
          : operation.status,
      });
    }
    items.sort((a, b) => b.time.localeCompare(a.time));
    return { items: items.slice(0, 200), partial };
  }

  /** With a grant: 404 outside the caller's bindings. */
  private async live(id: string, grant?: Grant): Promise<Database> {
    const database = await this.context.store.databases.get(id);
    if (database.status === 'DELETED')
      throw new EngineError('NOT_FOUND', `database ${id} was not found`);
    grant?.assertVisible('database', id, database.domain, database.project);
    return database;
  }
}

function concerns(event: KubeObject, name: string): boolean {
  const involved = (event as { involvedObject?: { name?: string } }).involvedObject?.name ?? '';
  return involved === name || involved.startsWith(`${name}-`);
}

function toEntry(event: KubeObject): DatabaseEventEntry {
  const e = event as {
    lastTimestamp?: string;
    eventTime?: string;
    type?: string;
    reason?: string;
    message?: string;
    involvedObject?: { kind?: string; name?: string };
  };
  return {
    time:
      e.lastTimestamp ??
      e.eventTime ??
      event.metadata.creationTimestamp ??
      new Date(0).toISOString(),
    source: 'kubernetes',
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    message: (e.message ?? '').slice(0, 1_000),
    object: e.involvedObject
      ? `${e.involvedObject.kind ?? ''}/${e.involvedObject.name ?? ''}`
      : undefined,
  };
}

/** Averages neighbouring points so a series has at most `max` points. */
export function downsample(points: [number, number][], max: number): [number, number][] {
  if (points.length <= max) return points;
  const size = Math.ceil(points.length / max);
  const out: [number, number][] = [];
  for (let i = 0; i < points.length; i += size) {
    const bucket = points.slice(i, i + size);
    const t = bucket[bucket.length - 1]![0];
    out.push([t, bucket.reduce((sum, [, v]) => sum + v, 0) / bucket.length]);
  }
  return out;
}
