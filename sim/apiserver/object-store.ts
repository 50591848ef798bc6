/**
 * The in-memory object index: per resource, per namespace, by name, with each object kept with its
 * serialised JSON (serialised once per version and reused by list, get and every watcher), a
 * cached sorted order for paged lists, and an index of dependents by owner uid for cascading deletes.
 */
import type { KubeObject } from '../core/contract';
import { resourceKey, type ResourceType } from './resource-types';

/** One stored object version. `object` is never handed out: callers copy it (or parse `json`). */
export interface Entry {
  readonly type: ResourceType;
  readonly object: KubeObject;
  readonly json: string;
  /** "namespace/name" (namespace empty for cluster-scoped). */
  readonly sortKey: string;
}

/** The objects of one resource. */
export class ResourceObjects {
  private readonly byNamespace = new Map<string, Map<string, Entry>>();
  private sorted: Entry[] | undefined;
  private size = 0;

  constructor(readonly type: ResourceType) {}

  get count(): number {
    return this.size;
  }

  get(namespace: string, name: string): Entry | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  put(entry: Entry): Entry | undefined {
    const ns = entry.object.metadata.namespace ?? '';
    let names = this.byNamespace.get(ns);
    if (!names) {
      names = new Map();
      this.byNamespace.set(ns, names);
    }
    const name = entry.object.metadata.name ?? '';
    const old = names.get(name);
    names.set(name, entry);
    if (!old) {
      this.size++;
      this.sorted = undefined;
    } else if (this.sorted) {
      // Same key, same position: replace in place rather than re-sorting.
      const i = this.indexOf(entry.sortKey);
      if (i >= 0) this.sorted[i] = entry;
      else this.sorted = undefined;
    }
    return old;
  }

  remove(namespace: string, name: string): Entry | undefined {
    const names = this.byNamespace.get(namespace);
    const old = names?.get(name);
    if (!names || !old) return undefined;
    names.delete(name);
    if (names.size === 0) this.byNamespace.delete(namespace);
    this.size--;
    this.sorted = undefined;
    return old;
  }

  /** Entries in one namespace (or all when `namespace` is undefined), sorted by namespace/name. */
  list(namespace?: string): Entry[] {
    if (namespace !== undefined) {
      const names = this.byNamespace.get(namespace);
      if (!names) return [];
      return [...names.values()].sort((a, b) =>
        a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0,
      );
    }
    if (!this.sorted) {
      this.sorted = [];
      for (const names of this.byNamespace.values())
        for (const e of names.values()) this.sorted.push(e);
      this.sorted.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    }
    return this.sorted;
  }

  namespaceCount(namespace: string): number {
    return this.byNamespace.get(namespace)?.size ?? 0;
  }

  /** Position of the first entry whose key is >= `key` (binary search in the sorted cache). */
  lowerBound(key: string, entries: Entry[]): number {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((entries[mid] as Entry).sortKey < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private indexOf(key: string): number {
    if (!this.sorted) return -1;
    const i = this.lowerBound(key, this.sorted);
    return this.sorted[i]?.sortKey === key ? i : -1;
  }
}

/** Builds an entry, serialising the object once. */
export function makeEntry(type: ResourceType, object: KubeObject): Entry {
  return {
    type,
    object,
    json: JSON.stringify(object),
    sortKey: `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`,
  };
}

/** All resources' objects plus the owner index. */
export class ObjectStore {
  private readonly resources = new Map<string, ResourceObjects>();
  /** owner uid -> dependents ("resourceKey|namespace|name"). */
  private readonly dependents = new Map<string, Set<string>>();

  objects(type: ResourceType): ResourceObjects {
    const key = resourceKey(type);
    let r = this.resources.get(key);
    if (!r) {
      r = new ResourceObjects(type);
      this.resources.set(key, r);
    }
    return r;
  }

  existing(key: string): ResourceObjects | undefined {
    return this.resources.get(key);
  }

  allResources(): ResourceObjects[] {
    return [...this.resources.values()];
  }

  dropResource(key: string): void {
    this.resources.delete(key);
  }

  /** Keeps the owner index in step with a write (old and/or new version of one object). */
  reindexOwners(
    type: ResourceType,
    old: KubeObject | undefined,
    next: KubeObject | undefined,
  ): void {
    const ref = (o: KubeObject) =>
      `${resourceKey(type)}|${o.metadata.namespace ?? ''}|${o.metadata.name ?? ''}`;
    for (const o of old?.metadata.ownerReferences ?? [])
      this.dependents.get(o.uid)?.delete(ref(old as KubeObject));
    for (const o of next?.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(o.uid);
      if (!set) {
        set = new Set();
        this.dependents.set(o.uid, set);
      }
      set.add(ref(next as KubeObject));
    }
  }

  /** Dependents of an owner: entries whose ownerReferences name `uid`. */
  dependentsOf(uid: string): Entry[] {
    const out: Entry[] = [];
    for (const ref of this.dependents.get(uid) ?? []) {
      const [key, ns, name] = ref.split('|') as [string, string, string];
      const entry = this.resources.get(key)?.get(ns, name);
      if (entry) out.push(entry);
    }
    return out;
  }
}
