/**
 * What the API server knows about each resource it serves: built-in kinds and kinds installed from
 * CustomResourceDefinitions. One `ResourceType` per group+plural; objects of all served versions
 * share one storage (no conversion: the simulator serves the stored shape under every version).
 */
import type { JsonSchema } from './schema';

/** A printer column, as in a CRD's `additionalPrinterColumns`. */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  format?: string;
  description?: string;
  priority?: number;
}

/** Merge keys of lists in built-in kinds, for strategic merge patch and server-side apply. */
export type ListMergeKeys = Record<string, string>;

/** One served resource (group + plural). */
export interface ResourceType {
  group: string;
  /** Served versions, the storage (preferred) version first. */
  versions: string[];
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  verbs: string[];
  /** The kind has a `/status` subresource: status moves only through it. */
  statusSubresource: boolean;
  /** Built-in kinds take strategic merge patch; custom resources answer 415. */
  builtin: boolean;
  /** openAPIV3Schema per version, for custom resources. */
  schemas: Record<string, JsonSchema | undefined>;
  printerColumns: Record<string, PrinterColumn[]>;
  /** For built-ins: list field name -> merge key (containers: name, ports: containerPort ...). */
  mergeKeys?: ListMergeKeys;
  /** Served by a generator rather than stored (PodMetrics). */
  virtual?: boolean;
  /** The CRD object's name, for kinds installed from a CRD. */
  crdName?: string;
}

/** "kubedb.com/v1" or "v1" for a group and version. */
export function toApiVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** Splits "kubedb.com/v1" into group and version ("v1" has the empty group). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The storage key of a resource: "kubedb.com/postgreses", "/pods". */
export function resourceKey(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${type.group}/${type.plural}`;
}

/** "postgreses.kubedb.com" or "pods", as the API server names resources in messages. */
export function qualifiedResource(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
}

/** "Postgres.kubedb.com" or "ConfigMap", as the API server names kinds in Invalid messages. */
export function qualifiedKind(type: Pick<ResourceType, 'group' | 'kind'>): string {
  return type.group === '' ? type.kind : `${type.kind}.${type.group}`;
}

/** Index of resource types, by group+plural, group+kind and (for discovery) group+version. */
export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceType>();
  private readonly byKind = new Map<string, ResourceType>();
  private readonly listeners = new Set<() => void>();

  add(type: ResourceType): void {
    const old = this.byKey.get(resourceKey(type));
    if (old) this.byKind.delete(`${old.group}/${old.kind}`);
    this.byKey.set(resourceKey(type), type);
    this.byKind.set(`${type.group}/${type.kind}`, type);
    for (const l of this.listeners) l();
  }

  remove(group: string, plural: string): void {
    const type = this.byKey.get(`${group}/${plural}`);
    if (!type) return;
    this.byKey.delete(resourceKey(type));
    this.byKind.delete(`${type.group}/${type.kind}`);
    for (const l of this.listeners) l();
  }

  /** Called after every change (discovery caches listen). */
  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  byPlural(group: string, plural: string): ResourceType | undefined {
    return this.byKey.get(`${group}/${plural}`);
  }

  /** The type for an apiVersion+kind, only when that version is served. */
  forKind(apiVersion: string, kind: string): ResourceType | undefined {
    const { group, version } = splitApiVersion(apiVersion);
    const type = this.byKind.get(`${group}/${kind}`);
    return type && type.versions.includes(version) ? type : undefined;
  }

  all(): ResourceType[] {
    return [...this.byKey.values()];
  }

  /** Groups in a stable order: the core group first, then built-in groups, then the rest by name. */
  groups(): { name: string; versions: string[] }[] {
    const map = new Map<string, Set<string>>();
    for (const t of this.byKey.values()) {
      if (t.group === '') continue;
      const set = map.get(t.group) ?? new Set<string>();
      for (const v of t.versions) set.add(v);
      map.set(t.group, set);
    }
    return [...map.entries()]
      .map(([name, versions]) => ({ name, versions: [...versions] }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return [...this.byKey.values()].filter(
      (t) => t.group === group && t.versions.includes(version),
    );
  }
}
