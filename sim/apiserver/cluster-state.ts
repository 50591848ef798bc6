/**
 * The object store with the API server's write semantics: creation (generateName, uid, defaults,
 * schema validation), optimistic concurrency, the status subresource and generation rules,
 * finalizers, cascading and namespace deletion, and admission hooks. Implements `ClusterState` for
 * the simulated operators; the HTTP layer calls the `*In` methods.
 */
import { randomUUID } from 'node:crypto';
import {
  SimApiError,
  type ClusterState,
  type KubeObject,
  type WriteOptions,
} from '../core/contract';
import { readManaged, recordUpdate } from './managed-fields';
import type { Entry } from './object-store';
import { mergePatch } from './patch';
import { qualifiedResource, type ResourceRegistry, type ResourceType } from './resource-types';
import { StateCore } from './state-core';
import type { WatchHub } from './watch-hub';
import {
  conflictError,
  deepEqual,
  invalidError,
  NAME_SUFFIX_ALPHABET,
  nameErrors,
  notFound,
  now,
  prepareObject,
  specPart,
  tracksGeneration,
  type WriteContext,
} from './write-rules';

export { invalidError, notFound, type WriteContext } from './write-rules';

/** What a delete did: removed at once, or marked for deletion while finalizers remain. */
export interface DeleteOutcome {
  removed: boolean;
  object: KubeObject;
}

export class SimClusterState extends StateCore implements ClusterState {
  private rand: () => number;

  constructor(
    registry: ResourceRegistry,
    hub: WatchHub,
    seed: number,
    /** Called after a commit of a CustomResourceDefinition (install/remove the kind). */
    onCrd: (crd: KubeObject, removed: boolean) => void = () => undefined,
  ) {
    super(registry, hub, onCrd);
    let s = seed >>> 0 || 1;
    this.rand = () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // ----- ClusterState -----

  create(object: KubeObject, options: WriteOptions = {}): KubeObject {
    const type = this.typeOf(object.apiVersion, object.kind);
    return this.createIn(type, object, options);
  }

  update(object: KubeObject, options: WriteOptions = {}): KubeObject {
    return this.updateIn(this.typeOf(object.apiVersion, object.kind), object, options, 'main');
  }

  updateStatus(object: KubeObject, options: WriteOptions = {}): KubeObject {
    return this.updateIn(this.typeOf(object.apiVersion, object.kind), object, options, 'status');
  }

  patch(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options: WriteOptions & { subresource?: 'status' } = {},
  ): KubeObject {
    const type = this.typeOf(apiVersion, kind);
    const part = options.subresource === 'status' ? 'status' : 'main';
    return this.modifyIn(
      type,
      namespace,
      name,
      (cur) => mergePatch(cur, patch) as KubeObject,
      options,
      part,
    );
  }

  delete(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    options: WriteOptions = {},
  ): void {
    this.deleteIn(this.typeOf(apiVersion, kind), namespace, name, options);
  }

  // ----- the write paths used by HTTP -----

  createIn(type: ResourceType, input: KubeObject, ctx: WriteContext): KubeObject {
    const obj = structuredClone(input);
    obj.metadata = { ...(obj.metadata ?? {}) };
    const meta = obj.metadata;
    if (!type.namespaced) delete meta.namespace;
    if (!meta.name && meta.generateName) {
      let name: string;
      do {
        name =
          meta.generateName +
          Array.from(
            { length: 5 },
            () => NAME_SUFFIX_ALPHABET[Math.floor(this.rand() * NAME_SUFFIX_ALPHABET.length)],
          ).join('');
      } while (this.getEntry(type, meta.namespace, name));
      meta.name = name;
    }
    if (!meta.name)
      throw invalidError(type, '', [
        {
          reason: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'name or generateName is required',
        },
      ]);
    const badName = nameErrors(meta.name);
    if (type.namespaced) this.checkNamespace(type, meta.namespace, meta.name);
    if (this.getEntry(type, meta.namespace, meta.name)) {
      const err = new SimApiError(
        409,
        'AlreadyExists',
        `${qualifiedResource(type)} "${meta.name}" already exists`,
      );
      throw Object.assign(err, {
        details: { name: meta.name, group: type.group, kind: type.plural },
      });
    }
    if (ctx.http && type.statusSubresource && type.kind !== 'Namespace') delete obj.status;
    for (const k of [
      'uid',
      'resourceVersion',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'selfLink',
    ])
      delete meta[k];
    let out = prepareObject(type, obj, undefined, ctx, badName);
    out = this.admit('CREATE', type, out, undefined, ctx);
    out.metadata.uid = randomUUID();
    out.metadata.creationTimestamp = now();
    if (tracksGeneration(type)) out.metadata.generation = 1;
    else delete out.metadata.generation;
    if (ctx.fieldManager && ctx.operation !== 'Apply') {
      out.metadata.managedFields = recordUpdate([], ctx.fieldManager, undefined, out, type, 'main');
    } else if (ctx.operation !== 'Apply') {
      delete out.metadata.managedFields;
    }
    if (ctx.dryRun)
      return { ...out, metadata: { ...out.metadata, resourceVersion: this.currentRv() } };
    return this.commit(type, 'ADDED', out, undefined);
  }

  /** PUT of the object or its status. */
  updateIn(
    type: ResourceType,
    input: KubeObject,
    ctx: WriteContext,
    part: 'main' | 'status',
  ): KubeObject {
    const meta = input.metadata ?? {};
    const cur = this.mustGet(type, meta.namespace, meta.name ?? '');
    if (meta.resourceVersion && meta.resourceVersion !== cur.object.metadata.resourceVersion)
      throw conflictError(type, meta.name ?? '');
    return this.replace(type, cur, structuredClone(input), ctx, part);
  }

  /** Read-modify-write of one object (PATCH). `change` gets a private copy of the live object. */
  modifyIn(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    change: (current: KubeObject) => KubeObject,
    ctx: WriteContext,
    part: 'main' | 'status',
  ): KubeObject {
    const cur = this.mustGet(type, namespace, name);
    const next = change(JSON.parse(cur.json) as KubeObject);
    const rv = next.metadata?.resourceVersion;
    if (rv && rv !== cur.object.metadata.resourceVersion) throw conflictError(type, name);
    return this.replace(type, cur, next, ctx, part);
  }

  private replace(
    type: ResourceType,
    cur: Entry,
    input: KubeObject,
    ctx: WriteContext,
    part: 'main' | 'status',
  ): KubeObject {
    const old = cur.object;
    let next: KubeObject;
    if (part === 'status') {
      next = { ...structuredClone(old), status: input.status };
      if (input.status === undefined) delete next.status;
    } else {
      next = { ...input, apiVersion: input.apiVersion ?? old.apiVersion, kind: old.kind };
      if (type.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = structuredClone(old.status);
      }
    }
    const m = { ...(next.metadata ?? {}) };
    for (const k of [
      'uid',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'name',
      'namespace',
      'generation',
    ]) {
      if (old.metadata[k] === undefined) delete m[k];
      else m[k] = old.metadata[k];
    }
    if (m.managedFields === undefined && old.metadata.managedFields !== undefined)
      m.managedFields = old.metadata.managedFields;
    next.metadata = m;
    next = prepareObject(type, next, old, ctx);
    next = this.admit('UPDATE', type, next, old, ctx);
    if (tracksGeneration(type) && !deepEqual(specPart(next, type), specPart(old, type)))
      next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    if (ctx.fieldManager && ctx.operation !== 'Apply') {
      next.metadata.managedFields = recordUpdate(
        readManaged(old),
        ctx.fieldManager,
        old,
        next,
        type,
        part,
      );
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (deepEqual(next, old)) return JSON.parse(cur.json) as KubeObject;
    if (ctx.dryRun) return next;
    if (old.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      this.commit(type, 'MODIFIED', next, old);
      return this.remove(
        type,
        this.mustGet(type, next.metadata.namespace, next.metadata.name ?? ''),
      );
    }
    return this.commit(type, 'MODIFIED', next, old);
  }

  /** DELETE: marks while finalizers remain, otherwise removes and cascades. */
  deleteIn(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    ctx: WriteContext & {
      propagationPolicy?: string;
      preconditionUid?: string;
      preconditionRv?: string;
    },
  ): DeleteOutcome {
    const cur = this.mustGet(type, namespace, name);
    if (ctx.preconditionUid && ctx.preconditionUid !== cur.object.metadata.uid)
      throw conflictError(type, name);
    if (ctx.preconditionRv && ctx.preconditionRv !== cur.object.metadata.resourceVersion)
      throw conflictError(type, name);
    this.admit('DELETE', type, JSON.parse(cur.json) as KubeObject, cur.object, ctx);
    const orphan = ctx.propagationPolicy === 'Orphan';
    const finalizers = cur.object.metadata.finalizers ?? [];
    if (ctx.dryRun)
      return { removed: finalizers.length === 0, object: JSON.parse(cur.json) as KubeObject };
    if (type.kind === 'Namespace' && type.group === '') return this.deleteNamespace(cur);
    if (finalizers.length > 0) {
      if (cur.object.metadata.deletionTimestamp)
        return { removed: false, object: JSON.parse(cur.json) as KubeObject };
      const next = structuredClone(cur.object);
      next.metadata.deletionTimestamp = now();
      next.metadata.deletionGracePeriodSeconds = 0;
      return { removed: false, object: this.commit(type, 'MODIFIED', next, cur.object) };
    }
    return { removed: true, object: this.remove(type, cur, orphan) };
  }

  private deleteNamespace(cur: Entry): DeleteOutcome {
    const type = cur.type;
    const name = cur.object.metadata.name ?? '';
    let obj: KubeObject = JSON.parse(cur.json) as KubeObject;
    if (!cur.object.metadata.deletionTimestamp) {
      const next = structuredClone(cur.object);
      next.metadata.deletionTimestamp = now();
      next.status = { ...(next.status ?? {}), phase: 'Terminating' };
      obj = this.commit(type, 'MODIFIED', next, cur.object);
    }
    for (const r of this.store.allResources()) {
      if (!r.type.namespaced) continue;
      for (const e of [...r.list(name)]) {
        try {
          this.deleteIn(r.type, name, e.object.metadata.name ?? '', { skipAdmission: true });
        } catch {
          // Already gone through a cascade: nothing left to do for it.
        }
      }
    }
    // Removing the last object may already have removed the namespace (see remove()).
    const left = this.getEntry(type, undefined, name);
    if (!left) return { removed: true, object: obj };
    if (this.namespaceEmpty(name)) return { removed: true, object: this.remove(type, left) };
    return { removed: false, object: obj };
  }

  private namespaceEmpty(ns: string): boolean {
    return this.store.allResources().every((r) => !r.type.namespaced || r.namespaceCount(ns) === 0);
  }

  private remove(type: ResourceType, cur: Entry, orphan = false): KubeObject {
    const ns = cur.object.metadata.namespace ?? '';
    const gone = structuredClone(cur.object);
    this.store.objects(type).remove(type.namespaced ? ns : '', gone.metadata.name ?? '');
    this.store.reindexOwners(type, cur.object, undefined);
    const out = this.commit(type, 'DELETED', gone, cur.object, true);
    const uid = gone.metadata.uid ?? '';
    for (const dep of this.store.dependentsOf(uid)) {
      try {
        if (orphan) {
          const next = structuredClone(dep.object);
          next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter(
            (o) => o.uid !== uid,
          );
          this.commit(dep.type, 'MODIFIED', next, dep.object);
        } else {
          this.deleteIn(dep.type, dep.object.metadata.namespace, dep.object.metadata.name ?? '', {
            skipAdmission: true,
          });
        }
      } catch {
        // The dependent went away meanwhile (cascade reached it another way).
      }
    }
    if (type.namespaced) {
      const nsType = this.registry.byPlural('', 'namespaces');
      const nsEntry = nsType && this.getEntry(nsType, undefined, ns);
      if (nsType && nsEntry?.object.metadata.deletionTimestamp && this.namespaceEmpty(ns))
        this.remove(nsType, nsEntry);
    }
    return out;
  }

  private checkNamespace(type: ResourceType, namespace: string | undefined, name: string): void {
    const nsType = this.registry.byPlural('', 'namespaces');
    if (!namespace)
      throw new SimApiError(
        400,
        'BadRequest',
        'the server could not find the requested resource: namespace required',
      );
    const ns = nsType && this.getEntry(nsType, undefined, namespace);
    if (!ns) throw notFound({ group: '', plural: 'namespaces' }, namespace);
    if (ns.object.metadata.deletionTimestamp) {
      throw new SimApiError(
        403,
        'Forbidden',
        `${qualifiedResource(type)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }
}
