import type { Disposable } from '../base/disposable';
import { parseCpuMillicores, parseQuantity } from '../domain';
import type { ClusterClient } from '../kube';
import { KUBEDB_POD_SELECTOR, type KubeObject } from '../kubedb/types';
import { METRIC_RETENTION_MS, type MetricSample } from '../store';
import type { LoopContext } from './context';

const INSTANCE_LABEL = 'app.kubernetes.io/instance';

/** The providers to sample, and how to find a database id from a pod's namespace and instance label. */
export interface MetricsTargets {
  providers(): {
    id: string;
    client: ClusterClient;
    databaseIdFor(namespace: string, name: string): string | undefined;
  }[];
}

/**
 * Samples CPU (cores) and memory (bytes) of every database from `metrics.k8s.io` on a timer: one
 * paged list of PodMetrics per cluster per interval (never one request per database), summed per
 * database, kept 24 hours in the store.
 */
export class MetricsSampler implements Disposable {
  private timer: Disposable | undefined;
  private running = false;
  private lastPrune = 0;

  constructor(
    private readonly context: LoopContext,
    private readonly targets: MetricsTargets,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = this.context.clock.setInterval(() => void this.sampleAll(), this.intervalMs);
  }

  /** One pass over every cluster; a pass still running is not overlapped. */
  async sampleAll(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let written = 0;
    try {
      const now = this.context.clock.now();
      for (const target of this.targets.providers()) {
        try {
          written += await this.sample(target, now);
        } catch (error) {
          this.context.logger.debug({ providerId: target.id, err: error }, 'metrics unavailable');
        }
      }
      if (now - this.lastPrune > 60 * 60_000) {
        this.lastPrune = now;
        await this.context.store.metrics.prune(now - METRIC_RETENTION_MS);
      }
    } finally {
      this.running = false;
    }
    return written;
  }

  dispose(): void {
    void this.timer?.dispose();
  }

  private async sample(
    target: ReturnType<MetricsTargets['providers']>[number],
    now: number,
  ): Promise<number> {
    const page = await target.client.listAll('metrics.k8s.io/v1beta1', 'PodMetrics', {
      labelSelector: KUBEDB_POD_SELECTOR,
    });
    const totals = new Map<string, { cpu: number; memory: number }>();
    for (const pod of page.items) {
      const instance = pod.metadata.labels?.[INSTANCE_LABEL];
      const id =
        instance && pod.metadata.namespace
          ? target.databaseIdFor(pod.metadata.namespace, instance)
          : undefined;
      if (!id) continue;
      const total = totals.get(id) ?? { cpu: 0, memory: 0 };
      for (const usage of containerUsages(pod)) {
        total.cpu += parseCpuMillicores(usage.cpu) / 1000;
        total.memory += parseQuantity(usage.memory);
      }
      totals.set(id, total);
    }
    const samples: MetricSample[] = [];
    for (const [databaseId, total] of totals) {
      samples.push({ databaseId, t: now, name: 'cpu', value: Math.round(total.cpu * 1000) / 1000 });
      samples.push({ databaseId, t: now, name: 'memory', value: Math.round(total.memory) });
    }
    if (samples.length > 0) await this.context.store.metrics.append(samples);
    return samples.length;
  }
}

function containerUsages(pod: KubeObject): { cpu: string; memory: string }[] {
  const containers =
    (pod as { containers?: { usage?: { cpu?: string; memory?: string } }[] }).containers ?? [];
  return containers
    .map((c) => ({ cpu: c.usage?.cpu ?? '0', memory: c.usage?.memory ?? '0' }))
    .filter((u) => typeof u.cpu === 'string' && typeof u.memory === 'string');
}
