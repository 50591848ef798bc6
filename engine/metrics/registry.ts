import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Disposable } from '../base/disposable';
import type { EngineEvent } from '../domain';
import type { Store } from '../store';

/** What the metrics read at scrape time. */
export interface MetricsSources {
  store: Pick<Store, 'databases'>;
  queueCounts: () => Promise<{ queued: number; running: number; delayed: number }>;
  subscribe: (listener: (event: EngineEvent) => void) => Disposable;
  now: () => number;
  /** Firing alerts by severity, read from the store at scrape time (so every replica agrees). */
  firingAlerts?: () => Promise<Record<string, number>>;
}

/**
 * One registry per engine (never prom-client's global one), so that engines in one process do
 * not share series. Labels are bounded: route patterns, methods, statuses, operation types and
 * outcomes, and per-cluster `providerId`; never a database id.
 */
export class EngineMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  private readonly httpDuration: Histogram<'route' | 'method' | 'status'>;
  private readonly operations: Counter<'type' | 'outcome'>;
  private readonly operationDuration: Histogram<'type' | 'outcome'>;
  /** Business gauges fed by other services (backups, alerts): 0 until they report. */
  readonly backups: Counter<'outcome'>;
  readonly alertsFiring: Gauge<'severity'>;
  private readonly started = new Map<string, number>();
  private readonly subscription: Disposable;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'dbaas_' });
    this.httpRequests = new Counter({
      name: 'dbaas_http_requests_total',
      help: 'HTTP requests by route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'dbaas_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.operations = new Counter({
      name: 'dbaas_operations_total',
      help: 'Operations settled, by type and outcome',
      labelNames: ['type', 'outcome'],
      registers,
    });
    this.operationDuration = new Histogram({
      name: 'dbaas_operation_duration_seconds',
      help: 'Operation duration from first seen to settled',
      labelNames: ['type', 'outcome'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    this.backups = new Counter({
      name: 'dbaas_backups_total',
      help: 'Backups by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.alertsFiring = new Gauge({
      name: 'dbaas_alerts_firing',
      help: 'Alerts firing by severity',
      labelNames: ['severity'],
      registers,
      async collect() {
        if (!sources.firingAlerts) return;
        const counts = await sources.firingAlerts();
        for (const severity of ['critical', 'warning', 'info'])
          this.set({ severity }, counts[severity] ?? 0);
      },
    });
    new Gauge({
      name: 'dbaas_queue_depth',
      help: 'Operations queued (waiting or delayed)',
      registers,
      async collect() {
        const counts = await sources.queueCounts();
        this.set(counts.queued + counts.delayed);
      },
    });
    new Gauge({
      name: 'dbaas_databases',
      help: 'Databases by engine, status, cluster (providerId) and project',
      labelNames: ['engine', 'status', 'providerId', 'project'],
      registers,
      async collect() {
        this.reset();
        let cursor: string | null = null;
        do {
          const page = await sources.store.databases.list(undefined, { limit: 500, cursor });
          for (const d of page.items)
            this.inc({
              engine: d.engine,
              status: d.status,
              providerId: d.providerId,
              project: `${d.domain}/${d.project}`,
            });
          cursor = page.nextCursor;
        } while (cursor);
      },
    });
    this.subscription = sources.subscribe((event) => {
      if (event.type !== 'operation.progress') return;
      const { id, type, status } = event.data;
      if (!this.started.has(id)) {
        // Bounded: a runaway of never-settling operations cannot grow this without limit.
        if (this.started.size >= 10_000) this.started.clear();
        this.started.set(id, sources.now());
      }
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(status.toUpperCase())) {
        const outcome = status.toLowerCase();
        this.operations.inc({ type, outcome });
        const began = this.started.get(id) ?? sources.now();
        this.operationDuration.observe({ type, outcome }, (sources.now() - began) / 1000);
        this.started.delete(id);
      }
    });
  }

  /** One HTTP request; `route` is the pattern (`/api/v1/databases/:id`), never the raw URL. */
  observeHttp(route: string, method: string, status: number, seconds: number): void {
    const labels = { route, method, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  close(): void {
    void this.subscription.dispose();
    this.registry.clear();
  }
}
