/**
 * `metrics.k8s.io/v1beta1` PodMetrics: CPU (nanocores) and memory (Ki) per container of each
 * existing pod. A pod whose database runs for real (a running data-plane instance) has the usage of
 * its process tree in its database container (the first one): memory is the tree's resident memory
 * and CPU the rate of its CPU time between the two latest samples (taken when PodMetrics are read,
 * at most one per second per pod, like the kubelet's rate between its last two scrapes; the first
 * answer averages since the process started). Its sidecars and every other pod have synthetic values,
 * deterministic from the seed, the pod and the time window, and moving over time.
 */
import type { KubeObject } from '../core/contract';
import type { DataPlane } from '../core/data-plane';
import { processAgeSeconds } from '../dataplane/proc-metrics';
import type { ServerDeps } from './context';
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

/** Measured usage of a pod's real process. */
export interface RealUsage {
  cpuNanocores: number;
  memoryBytes: number;
  /** The sampling window the CPU rate covers, ms. */
  windowMs: number;
  /** When the latest sample was taken. */
  atMs: number;
}

interface CpuSample {
  t: number;
  cpu: number;
  rss: number;
}

/** Samples of real processes kept per pod, to turn CPU time into a rate. */
class UsageSampler {
  private readonly samples = new Map<string, CpuSample[]>();
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly plane: DataPlane) {}

  /** Takes a sample of every running instance (of `namespace`), at most one per second per pod. */
  async refresh(namespace: string | undefined, nowMs: number): Promise<void> {
    const running = this.plane
      .list()
      .filter(
        (i) => i.state === 'running' && (namespace === undefined || i.namespace === namespace),
      );
    const live = new Set(this.plane.list().map((i) => `${i.namespace}/${i.pod}`));
    for (const key of this.samples.keys()) if (!live.has(key)) this.samples.delete(key);
    await Promise.all(
      running.map((i) => {
        const key = `${i.namespace}/${i.pod}`;
        const last = this.samples.get(key)?.at(-1);
        if (last && nowMs - last.t < SAMPLE_EVERY_MS) return Promise.resolve();
        let p = this.pending.get(key);
        if (!p) {
          p = this.sample(key, i.namespace, i.pod, i.pid, nowMs).finally(() =>
            this.pending.delete(key),
          );
          this.pending.set(key, p);
        }
        return p;
      }),
    );
  }

  private async sample(key: string, ns: string, pod: string, pid: number | undefined, t: number) {
    const m = await this.plane.metrics(ns, pod).catch(() => undefined);
    if (!m) return void this.samples.delete(key);
    let list = this.samples.get(key);
    if (!list) {
      // The first sample: a rate since the process started stands in until there are two.
      const age = pid !== undefined ? await processAgeSeconds(pid) : undefined;
      list = age !== undefined && age > 0 ? [{ t: t - age * 1000, cpu: 0, rss: m.rssBytes }] : [];
      this.samples.set(key, list);
    }
    list.push({ t, cpu: m.cpuSeconds, rss: m.rssBytes });
    while (list.length > 2) list.shift();
  }

  /** The usage of a pod from its samples, if it runs for real. */
  usage(namespace: string, pod: string): RealUsage | undefined {
    const list = this.samples.get(`${namespace}/${pod}`);
    const last = list?.at(-1);
    if (!list || !last) return undefined;
    const base = list.length > 1 ? (list[0] as CpuSample) : undefined;
    const windowMs = base ? last.t - base.t : 0;
    const rate = base && windowMs > 0 ? Math.max(0, last.cpu - base.cpu) / (windowMs / 1000) : 0;
    return {
      cpuNanocores: Math.round(rate * 1e9),
      memoryBytes: last.rss,
      windowMs,
      atMs: last.t,
    };
  }
}

const SAMPLE_EVERY_MS = 1000;
const samplers = new WeakMap<DataPlane, UsageSampler>();

function samplerOf(plane: DataPlane): UsageSampler {
  let s = samplers.get(plane);
  if (!s) {
    s = new UsageSampler(plane);
    samplers.set(plane, s);
  }
  return s;
}

/** Samples the real processes a PodMetrics request may show (called before GET/LIST of PodMetrics). */
export async function refreshRealUsage(deps: ServerDeps, namespace?: string): Promise<void> {
  if (deps.dataPlane) await samplerOf(deps.dataPlane).refresh(namespace, Date.now());
}

/** The measured usage of a pod, when its database runs for real and has been sampled. */
export function realUsageOf(deps: ServerDeps, pod: KubeObject): RealUsage | undefined {
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const plane = deps.dataPlane;
  if (!plane || plane.instance(ns, name)?.state !== 'running') return undefined;
  return samplerOf(plane).usage(ns, name);
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/** The PodMetrics of one pod at `nowMs`; `real` replaces the first container's usage. */
export function podMetrics(pod: KubeObject, seed: number, nowMs: number, real?: RealUsage): Json {
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
  const main = containers[0];
  if (real && main) {
    const memKi = Math.round(real.memoryBytes / 1024);
    main.usage = { cpu: `${real.cpuNanocores}n`, memory: `${memKi}Ki` };
  }
  return {
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: {
      name,
      namespace: ns,
      creationTimestamp: new Date(nowMs).toISOString().replace(/\.\d+Z$/, 'Z'),
      labels: pod.metadata.labels ?? {},
    },
    timestamp: new Date(real ? real.atMs : window * METRICS_WINDOW_MS)
      .toISOString()
      .replace(/\.\d+Z$/, 'Z'),
    window: real && real.windowMs > 0 ? seconds(real.windowMs) : '15s',
    containers,
  };
}
