/**
 * POST, PUT, PATCH (merge, JSON, strategic, server-side apply) and DELETE (one object or a
 * collection), with dryRun, fieldManager and fieldValidation as the API server takes them.
 */
import { SimApiError, type KubeObject } from '../core/contract';
import type { WriteContext } from './cluster-state';
import type { ResourceRequest } from './context';
import { convertObject } from './conversion';
import { parseBody, readBody, readBodyBuffer, sendJson } from './http-util';
import { decodeKubeProtobuf, isKubeProtobuf } from './protobuf';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';
import { serverSideApply } from './patch-apply';
import { toApiVersion } from './resource-types';
import { parseFieldSelector, parseLabelSelector } from './selectors';

type Json = Record<string, unknown>;

function writeContext(r: ResourceRequest, warnings: string[]): WriteContext {
  const fv = r.query.get('fieldValidation');
  const dryRun = r.query.getAll('dryRun');
  if (dryRun.some((d) => d !== 'All'))
    throw new SimApiError(400, 'BadRequest', `Invalid dry run value: ${dryRun.join(',')}`);
  return {
    http: true,
    warnings,
    ...(dryRun.includes('All') ? { dryRun: true } : {}),
    ...(r.query.get('fieldManager') ? { fieldManager: r.query.get('fieldManager') as string } : {}),
    fieldValidation: fv === 'Strict' || fv === 'Warn' || fv === 'Ignore' ? fv : 'Warn',
  };
}

function warningHeaders(warnings: string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}

async function objectBody(r: ResourceRequest): Promise<KubeObject> {
  const raw = await readBodyBuffer(r.req);
  const body =
    String(r.req.headers['content-type'] ?? '').includes('protobuf') && isKubeProtobuf(raw)
      ? decodeKubeProtobuf(raw)
      : parseBody(raw.toString('utf8'), false);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SimApiError(400, 'BadRequest', 'the body of the request was not a JSON object');
  }
  const obj = body as KubeObject;
  const expected = toApiVersion(r.type.group, r.info.version);
  obj.apiVersion ??= expected;
  obj.kind ??= r.type.kind;
  if (
    obj.kind !== r.type.kind ||
    (obj.apiVersion.split('/')[0] !== expected.split('/')[0] && r.type.group !== '')
  ) {
    throw new SimApiError(
      400,
      'BadRequest',
      `the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`,
    );
  }
  obj.metadata ??= {};
  if (r.type.namespaced) {
    if (obj.metadata.namespace && r.info.namespace && obj.metadata.namespace !== r.info.namespace) {
      throw new SimApiError(
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    obj.metadata.namespace ||= r.info.namespace;
  }
  return obj;
}

/** `obj` as the version the request named (kubedb.com kinds are converted). */
function served(r: ResourceRequest, obj: KubeObject): KubeObject {
  return convertObject(obj, toApiVersion(r.type.group, r.info.version));
}

/** POST to a collection. */
export async function handleCreate(r: ResourceRequest): Promise<void> {
  const obj = await objectBody(r);
  const warnings: string[] = [];
  const created = r.deps.state.createIn(r.type, obj, writeContext(r, warnings));
  sendJson(r.res, 201, served(r, created), warningHeaders(warnings));
}

/** PUT of an object or its status. */
export async function handleUpdate(r: ResourceRequest): Promise<void> {
  const obj = await objectBody(r);
  if (obj.metadata.name !== r.info.name) {
    throw new SimApiError(
      400,
      'BadRequest',
      `the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${String(r.info.name)})`,
    );
  }
  if (!r.type.builtin && !obj.metadata.resourceVersion) {
    const err = new SimApiError(
      422,
      'Invalid',
      `${r.type.kind}.${r.type.group} "${obj.metadata.name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`,
      [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: 0x0: must be specified for an update',
          field: 'metadata.resourceVersion',
        },
      ],
    );
    throw Object.assign(err, {
      details: { name: obj.metadata.name, group: r.type.group, kind: r.type.kind },
    });
  }
  const warnings: string[] = [];
  const part = r.info.subresource === 'status' ? 'status' : 'main';
  const updated = r.deps.state.updateIn(r.type, obj, writeContext(r, warnings), part);
  sendJson(r.res, 200, served(r, updated), warningHeaders(warnings));
}

const MEDIA = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** PATCH of an object or its status. */
export async function handlePatch(r: ResourceRequest): Promise<void> {
  const contentType = (r.req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  const accepted = r.type.builtin ? Object.values(MEDIA) : [MEDIA.json, MEDIA.merge, MEDIA.apply];
  if (!(accepted as string[]).includes(contentType)) {
    throw new SimApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    );
  }
  const patch = parseBody(await readBody(r.req), contentType === MEDIA.apply);
  const warnings: string[] = [];
  const ctx = writeContext(r, warnings);
  const part = r.info.subresource === 'status' ? 'status' : 'main';
  const name = r.info.name ?? '';
  const { state } = r.deps;
  let result: KubeObject;
  if (contentType === MEDIA.apply) {
    result = apply(r, patch as KubeObject, ctx, part);
  } else {
    const change = (stored: KubeObject): KubeObject => {
      const cur = served(r, stored);
      if (contentType === MEDIA.merge) return mergePatch(cur, patch) as KubeObject;
      if (contentType === MEDIA.json) return jsonPatch(cur, patch) as KubeObject;
      return strategicMergePatch(cur, patch, r.type) as KubeObject;
    };
    result = state.modifyIn(r.type, r.info.namespace, name, change, ctx, part);
  }
  sendJson(r.res, 200, served(r, result), warningHeaders(warnings));
}

function apply(
  r: ResourceRequest,
  applied: KubeObject,
  ctx: WriteContext,
  part: 'main' | 'status',
): KubeObject {
  if (!ctx.fieldManager) {
    throw new SimApiError(
      422,
      'Invalid',
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      [
        {
          reason: 'FieldValueRequired',
          message: 'Required value: is required for apply patch',
          field: 'fieldManager',
        },
      ],
    );
  }
  if (typeof applied !== 'object' || applied === null)
    throw new SimApiError(400, 'BadRequest', 'the apply patch is not an object');
  applied.metadata ??= {};
  if (r.type.namespaced) applied.metadata.namespace ??= r.info.namespace;
  applied.apiVersion ??= toApiVersion(r.type.group, r.info.version);
  applied.kind ??= r.type.kind;
  // Server-side apply works on the stored version (its managed fields name stored paths).
  if (r.type.versions[0])
    applied = convertObject(applied, toApiVersion(r.type.group, r.type.versions[0]));
  const force = r.query.get('force') === 'true';
  const manager = ctx.fieldManager;
  const applyCtx: WriteContext = { ...ctx, operation: 'Apply' };
  const { state } = r.deps;
  const live = state.getEntry(r.type, r.info.namespace, r.info.name ?? '');
  if (!live) {
    const merged = serverSideApply(undefined, applied, manager, force, r.type, part).object;
    merged.metadata.name ??= r.info.name;
    return state.createIn(r.type, merged, applyCtx);
  }
  return state.modifyIn(
    r.type,
    r.info.namespace,
    r.info.name ?? '',
    (cur) => {
      const out = serverSideApply(cur, applied, manager, force, r.type, part).object;
      // An apply never carries a precondition: the live resourceVersion stays.
      out.metadata.resourceVersion = cur.metadata.resourceVersion;
      return out;
    },
    applyCtx,
    part,
  );
}

async function deleteOptions(r: ResourceRequest): Promise<Json> {
  const body = parseBody(await readBody(r.req), false);
  const opts: Json = typeof body === 'object' && body !== null ? (body as Json) : {};
  const policy =
    r.query.get('propagationPolicy') ?? (opts.propagationPolicy as string | undefined) ?? undefined;
  const dryRun =
    r.query.getAll('dryRun').includes('All') ||
    (Array.isArray(opts.dryRun) && opts.dryRun.includes('All'));
  return { ...opts, propagationPolicy: policy, dryRun };
}

/** DELETE of one object. */
export async function handleDelete(r: ResourceRequest): Promise<void> {
  const opts = await deleteOptions(r);
  const pre = (opts.preconditions as Json | undefined) ?? {};
  const outcome = r.deps.state.deleteIn(r.type, r.info.namespace, r.info.name ?? '', {
    http: true,
    ...(opts.dryRun ? { dryRun: true } : {}),
    ...(typeof opts.propagationPolicy === 'string'
      ? { propagationPolicy: opts.propagationPolicy }
      : {}),
    ...(typeof pre.uid === 'string' ? { preconditionUid: pre.uid } : {}),
    ...(typeof pre.resourceVersion === 'string' ? { preconditionRv: pre.resourceVersion } : {}),
  });
  sendJson(r.res, outcome.removed ? 200 : 202, outcome.object);
}

/** DELETE of a collection (deletecollection), honouring label and field selectors. */
export async function handleDeleteCollection(r: ResourceRequest): Promise<void> {
  const opts = await deleteOptions(r);
  const labels = parseLabelSelector(r.query.get('labelSelector'));
  const fields = parseFieldSelector(r.query.get('fieldSelector'));
  const { state } = r.deps;
  const namespace = r.type.namespaced ? r.info.namespace : undefined;
  const items: KubeObject[] = [];
  for (const e of [...state.store.objects(r.type).list(namespace)]) {
    if (!labels.matches(e.object.metadata.labels) || !fields.matches(e.object)) continue;
    try {
      items.push(
        state.deleteIn(r.type, e.object.metadata.namespace, e.object.metadata.name ?? '', {
          http: true,
          ...(opts.dryRun ? { dryRun: true } : {}),
          ...(typeof opts.propagationPolicy === 'string'
            ? { propagationPolicy: opts.propagationPolicy }
            : {}),
        }).object,
      );
    } catch (err) {
      if (!(err instanceof SimApiError && err.code === 404)) throw err;
    }
  }
  sendJson(r.res, 200, {
    kind: r.type.listKind,
    apiVersion: toApiVersion(r.type.group, r.info.version),
    metadata: { resourceVersion: state.currentRv() },
    items,
  });
}
