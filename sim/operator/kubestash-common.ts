/**
 * Names and small helpers shared by the simulated KubeStash controllers.
 */
import type { KubeObject } from '../core/contract';
import { asRecord, getPath, text } from './util';

export const CORE_API = 'core.kubestash.com/v1alpha1';
export const STORAGE_API = 'storage.kubestash.com/v1alpha1';

/** A `{name, namespace}` reference read from an unknown value. */
export function ref(obj: unknown): { name: string; namespace?: string } {
  const r = asRecord(obj);
  return {
    name: text(r.name),
    ...(typeof r.namespace === 'string' ? { namespace: r.namespace } : {}),
  };
}

/** The `spec.sessions[]` of a BackupConfiguration. */
export function sessionsOf(bc: KubeObject): Record<string, unknown>[] {
  const list = getPath(bc, ['spec', 'sessions']);
  return Array.isArray(list) ? list.map(asRecord) : [];
}

/** Parses "12.345 MiB" back to bytes. */
export function parseSize(value: string): number {
  const match = /^([0-9.]+)\s*(B|KiB|MiB|GiB|TiB)$/.exec(value.trim());
  if (!match) return 0;
  const factor: Record<string, number> = {
    B: 1,
    KiB: 2 ** 10,
    MiB: 2 ** 20,
    GiB: 2 ** 30,
    TiB: 2 ** 40,
  };
  return Number(match[1]) * (factor[match[2] ?? 'B'] ?? 1);
}
