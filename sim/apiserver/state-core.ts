/**
 * The core of the cluster state: the object store, the resourceVersion counter, reads, admission
 * hooks and the commit path (store, watch hub, ordered change feed). `SimClusterState` adds the
 * write semantics on top.
 */
import {
  SimApiError,
  type AdmissionHook,
  type AdmissionOperation,
  type KubeObject,
  type ListOptions,
  type StateChange,
  type Unsubscribe,
} from '../core/contract';
import { makeEntry, ObjectStore, type Entry } from './object-store';
import {
  resourceKey,
  toApiVersion,
  type ResourceRegistry,
  type ResourceType,
} from './resource-types';
import type { WatchHub } from './watch-hub';
import { notFound, type WriteContext } from './write-rules';

/** Reads, admission and commits, shared by every write path. */
export abstract class StateCore {
  readonly store = new ObjectStore();
  private rv = 1000;
  private readonly listeners = new Set<(c: StateChange) => void>();
  private readonly hooks = new Map<string, Set<AdmissionHook>>();
  private readonly pending: StateChange[] = [];
  private delivering = false;

  constructor(
    readonly registry: ResourceRegistry,
    private readonly hub: WatchHub,
    /** Called after a commit of a CustomResourceDefinition (install/remove the kind). */
    private readonly onCrd: (crd: KubeObject, removed: boolean) => void,
  ) {}

  /** The newest resourceVersion (a string; clients must never compare it as a number). */
  currentRv(): string {
    return String(this.rv);
  }

  typeOf(apiVersion: string, kind: string): ResourceType {
    const type = this.registry.forKind(apiVersion, kind);
    if (!type || type.virtual) {
      throw new SimApiError(
        404,
        'NotFound',
        `the server could not find the requested resource (no kind "${kind}" is registered for version "${apiVersion}")`,
      );
    }
    return type;
  }

  get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    const type = this.typeOf(apiVersion, kind);
    const e = this.store.objects(type).get(type.namespaced ? (namespace ?? '') : '', name);
    return e ? (JSON.parse(e.json) as KubeObject) : undefined;
  }

  list(apiVersion: string, kind: string, options: ListOptions = {}): KubeObject[] {
    const type = this.typeOf(apiVersion, kind);
    const entries = this.store.objects(type).list(type.namespaced ? options.namespace : undefined);
    const labels = Object.entries(options.labels ?? {});
    return entries
      .filter((e) => labels.every(([k, v]) => e.object.metadata.labels?.[k] === v))
      .map((e) => JSON.parse(e.json) as KubeObject);
  }

  subscribe(listener: (change: StateChange) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  registerAdmission(apiVersion: string, kind: string, hook: AdmissionHook): Unsubscribe {
    const type = this.registry.forKind(apiVersion, kind);
    const key = `${type?.group ?? apiVersion.split('/')[0]}/${kind}`;
    const set = this.hooks.get(key) ?? new Set();
    set.add(hook);
    this.hooks.set(key, set);
    return () => set.delete(hook);
  }

  getEntry(type: ResourceType, namespace: string | undefined, name: string): Entry | undefined {
    return this.store.objects(type).get(type.namespaced ? (namespace ?? '') : '', name);
  }

  mustGet(type: ResourceType, namespace: string | undefined, name: string): Entry {
    const e = this.getEntry(type, namespace, name);
    if (!e) throw notFound(type, name);
    return e;
  }

  protected admit(
    op: AdmissionOperation,
    type: ResourceType,
    obj: KubeObject,
    old: KubeObject | undefined,
    ctx: WriteContext,
  ): KubeObject {
    const hooks = this.hooks.get(`${type.group}/${type.kind}`);
    if (ctx.skipAdmission || !hooks) return obj;
    let cur = obj;
    for (const hook of [...hooks]) {
      const replaced = hook({
        operation: op,
        object: structuredClone(cur),
        ...(old ? { old: structuredClone(old) } : {}),
      });
      if (replaced) cur = replaced;
    }
    return cur;
  }

  protected commit(
    type: ResourceType,
    kind: 'ADDED' | 'MODIFIED' | 'DELETED',
    obj: KubeObject,
    old: KubeObject | undefined,
    removed = false,
  ): KubeObject {
    this.rv++;
    obj.metadata.resourceVersion = String(this.rv);
    if (!obj.apiVersion) obj.apiVersion = toApiVersion(type.group, type.versions[0] ?? 'v1');
    const entry = makeEntry(type, obj);
    if (!removed) {
      this.store.objects(type).put(entry);
      this.store.reindexOwners(type, old, obj);
    }
    this.hub.publish(resourceKey(type), {
      rv: this.rv,
      type: kind,
      entry,
      ...(old ? { old } : {}),
    });
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io')
      this.onCrd(obj, removed);
    // Copies for listeners are made only when someone listens: the HTTP path does not pay for them.
    if (this.listeners.size > 0) {
      this.pending.push({
        type: kind,
        object: JSON.parse(entry.json) as KubeObject,
        ...(old ? { old: JSON.parse(JSON.stringify(old)) as KubeObject } : {}),
      });
      this.drain();
    }
    return JSON.parse(entry.json) as KubeObject;
  }

  /** Delivers changes in commit order even when a listener writes while being told of a change. */
  private drain(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (this.pending.length > 0) {
        const change = this.pending.shift() as StateChange;
        for (const l of [...this.listeners]) {
          try {
            l(change);
          } catch {
            // A failing listener must not break the write that triggered it nor the other listeners.
          }
        }
      }
    } finally {
      this.delivering = false;
    }
  }
}
