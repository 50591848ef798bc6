/**
 * Synthetic `metrics.k8s.io/v1beta1` PodMetrics: CPU (nanocores) and memory (Ki) per container of
 * each existing pod, deterministic from the seed, the pod and the time window, and moving over time.
 */
import type { KubeObject } from '../core/contract';
import { toText } from './text';

type Json = Record<string, unknown>;

/** Metrics are recomputed once per window, as metrics-server scrapes. */
export const METRICS_WINDOW_MS = 15_000;

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) / 4294967296;
}

/** Parses a CPU quantity ("500m", "1", "0.5") into millicores. */
function cpuMilli(q: unknown): number | undefined {
  if (typeof q === 'number') return q * 1000;
  if (typeof q !== 'string') return undefined;
  if (q.endsWith('m')) return Number(q.slice(0, -1));
  const n = Number(q);
  return Number.isFinite(n) ? n * 1000 : undefined;
}

const UNITS: Record<string, number> = {
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

/** Parses a memory quantity ("1Gi", "512Mi", "1000000") into bytes. */
function bytes(q: unknown): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return undefined;
  const m = /^([0-9.]+)([A-Za-z]*)$/.exec(q);
  if (!m) return undefined;
  return Number(m[1]) * (UNITS[m[2] ?? ''] ?? 1);
}

/** The PodMetrics of one pod at `nowMs`. */
export function podMetrics(pod: KubeObject, seed: number, nowMs: number): Json {
  const window = Math.floor(nowMs / METRICS_WINDOW_MS);
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const containers = (((pod.spec as Json | undefined)?.containers as Json[] | undefined) ?? []).map(
    (c) => {
      const cname = toText(c.name);
      const key = `${seed}/${ns}/${name}/${cname}`;
      const requests = ((c.resources as Json | undefined)?.requests as Json | undefined) ?? {};
      const baseCpu =
        (cpuMilli(requests.cpu) ?? 100 + hash(`${key}/cpu`) * 400) *
        (0.15 + hash(`${key}/share`) * 0.5);
      const baseMem =
        (bytes(requests.memory) ?? (64 + hash(`${key}/mem`) * 448) * 1024 ** 2) *
        (0.3 + hash(`${key}/mshare`) * 0.4);
      const phase = hash(`${key}/phase`) * Math.PI * 2;
      const wave = Math.sin(window / 8 + phase) * 0.25 + (hash(`${key}/${window}`) - 0.5) * 0.1;
      const cpuNano = Math.max(1_000_000, Math.round(baseCpu * (1 + wave) * 1_000_000));
      const memKi = Math.max(1024, Math.round((baseMem * (1 + wave / 3)) / 1024));
      return { name: cname, usage: { cpu: `${cpuNano}n`, memory: `${memKi}Ki` } };
    },
  );
  return {
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: {
      name,
      namespace: ns,
      creationTimestamp: new Date(nowMs).toISOString().replace(/\.\d+Z$/, 'Z'),
      labels: pod.metadata.labels ?? {},
    },
    timestamp: new Date(window * METRICS_WINDOW_MS).toISOString().replace(/\.\d+Z$/, 'Z'),
    window: '15s',
    containers,
  };
}
