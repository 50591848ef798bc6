import type { KubeObject } from '../../kubedb/types';

/** A change the cache announces: what is now there, and what was there before. */
export interface ObjectChange {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  old?: KubeObject;
}

/** The cache key of an object: `namespace/name` (`/name` for cluster-scoped kinds). */
export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function keyOf(object: KubeObject): string {
  return objectKey(object.metadata.namespace, object.metadata.name);
}

/**
 * The objects of one cache by key, and the rules that turn what the server sends into changes.
 * A resourceVersion is an opaque string: two versions are only ever compared for equality, which
 * is also what keeps a replayed event (same version as the cached copy) from becoming a change.
 */
export class ObjectIndex {
  private objects = new Map<string, KubeObject>();

  get size(): number {
    return this.objects.size;
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(objectKey(namespace, name));
  }

  values(): KubeObject[] {
    return [...this.objects.values()];
  }

  /**
   * Applies one watch event. ADDED and MODIFIED are treated alike (an object the cache has not
   * seen is ADDED whatever the server called it); a DELETED of an unknown object is no change.
   */
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): ObjectChange | undefined {
    const key = keyOf(object);
    const old = this.objects.get(key);
    if (type === 'DELETED') {
      if (!old) return undefined;
      this.objects.delete(key);
      return { type: 'DELETED', object, old };
    }
    if (old && old.metadata.resourceVersion === object.metadata.resourceVersion) return undefined;
    this.objects.set(key, object);
    return old ? { type: 'MODIFIED', object, old } : { type: 'ADDED', object };
  }

  /**
   * Replaces everything with a fresh list and returns the differences, so that a consumer who
   * only follows changes learns about what happened while the cache was not watching — deletions
   * above all. Removed objects are announced with their last known state.
   */
  replace(items: readonly KubeObject[]): ObjectChange[] {
    const previous = this.objects;
    const next = new Map<string, KubeObject>();
    const changes: ObjectChange[] = [];
    for (const object of items) {
      const key = keyOf(object);
      next.set(key, object);
      const old = previous.get(key);
      if (!old) changes.push({ type: 'ADDED', object });
      else if (
        old.metadata.uid &&
        object.metadata.uid &&
        old.metadata.uid !== object.metadata.uid
      ) {
        // Deleted and created again under the same name while nobody watched: two changes.
        changes.push({ type: 'DELETED', object: old, old }, { type: 'ADDED', object });
      } else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) {
        changes.push({ type: 'MODIFIED', object, old });
      }
    }
    for (const [key, old] of previous) {
      if (!next.has(key)) changes.push({ type: 'DELETED', object: old, old });
    }
    this.objects = next;
    return changes;
  }
}
