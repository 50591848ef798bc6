/**
 * Small helpers shared by the simulated controllers: conditions, quantities, durations, a seeded
 * random source and object paths.
 */
import type { KubeObject, OwnerReference } from '../core/contract';

/** A kmodules `Condition`, as KubeDB and KubeStash write them. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime: string;
  observedGeneration?: number;
  severity?: string;
}

/** Now, as an RFC 3339 timestamp with second precision (what Kubernetes writes). */
export function nowIso(): string {
  return new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function getConditions(obj: KubeObject): Condition[] {
  const status = obj.status as { conditions?: Condition[] } | undefined;
  return Array.isArray(status?.conditions) ? status.conditions : [];
}

export function findCondition(conditions: Condition[], type: string): Condition | undefined {
  return conditions.find((c) => c.type === type);
}

export function isTrue(conditions: Condition[], type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/**
 * Returns the list with the condition set. `lastTransitionTime` moves only when the status changes,
 * as kmodules' `SetCondition` does, so a repeated reconcile writes nothing new.
 */
export function setCondition(
  conditions: Condition[],
  next: Omit<Condition, 'lastTransitionTime'>,
): Condition[] {
  const existing = findCondition(conditions, next.type);
  const changed = !existing || existing.status !== next.status;
  const merged: Condition = {
    ...next,
    lastTransitionTime: changed ? nowIso() : existing.lastTransitionTime,
  };
  if (!existing) return [...conditions, merged];
  return conditions.map((c) => (c.type === next.type ? merged : c));
}

export function removeCondition(conditions: Condition[], type: string): Condition[] {
  return conditions.filter((c) => c.type !== type);
}

/** Deterministic pseudo-random numbers (mulberry32), so a seed reproduces passwords and sizes. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PASSWORD_CHARS = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export function randomPassword(random: () => number, length = 16): string {
  let out = '';
  for (let i = 0; i < length; i++)
    out += PASSWORD_CHARS[Math.floor(random() * PASSWORD_CHARS.length)];
  return out;
}

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, m: 1e-3 };

/** Parses a Kubernetes quantity ("10Gi", "500m", "1.5") to a number (bytes or cores). */
export function parseQuantity(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return NaN;
  const match = /^([0-9.]+)([A-Za-z]*)$/.exec(value.trim());
  if (!match) return NaN;
  const n = Number(match[1]);
  const suffix = match[2] ?? '';
  if (suffix === '') return n;
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  return factor === undefined ? NaN : n * factor;
}

/** Formats bytes the way KubeStash reports sizes ("12.345 MiB"). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(3)} ${units[i]}`;
}

/** Parses a Go `time.Duration` string ("10m", "1h30m", "45s", "250ms") to milliseconds. */
export function parseGoDuration(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const units: Record<string, number> = {
    h: 3_600_000,
    m: 60_000,
    s: 1000,
    ms: 1,
    us: 0.001,
    µs: 0.001,
    ns: 1e-6,
  };
  const re = /([0-9.]+)(ms|us|µs|ns|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const match of value.matchAll(re)) {
    total += Number(match[1]) * (units[match[2] ?? ''] ?? 0);
    consumed += match[0].length;
  }
  return consumed === value.length ? total : undefined;
}

/** Formats a duration in milliseconds as Go does ("1m2.5s"). */
export function formatGoDuration(ms: number): string {
  const totalSeconds = ms / 1000;
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = +(totalSeconds - minutes * 60).toFixed(3);
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}

/** Reads a nested field (`path` like ['spec', 'storage', 'resources']). */
export function getPath(obj: unknown, path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

/** Sets a nested field, creating plain objects on the way. */
export function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur: Record<string, unknown> = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1] as string] = value;
}

export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function asNumber(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** JSON equality, enough for comparing desired and live specs built by the same code. */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A controller owner reference to `owner`, so deleting it cascades. */
export function ownerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Truncates a generated name to the 63 characters Kubernetes allows, as KubeDB's helpers do. */
export function truncateName(name: string): string {
  return name.length <= 63 ? name : name.slice(0, 63).replace(/-+$/, '');
}

export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

export function unb64(text: unknown): string {
  return typeof text === 'string' ? Buffer.from(text, 'base64').toString('utf8') : '';
}

/** `ns/name` key of a namespaced object. */
export function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** A field as text: strings as they are, numbers and booleans printed, anything else `fallback`. */
export function text(value: unknown, fallback = ''): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fallback;
}
