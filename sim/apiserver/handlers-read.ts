/**
 * GET of one object and LIST (label/field selectors, limit/continue paging, Table and
 * PartialObjectMetadata forms, PodMetrics generated from pods).
 */
import { convertObject } from './conversion';
import { SimApiError, type KubeObject } from '../core/contract';
import { notFound } from './cluster-state';
import { acceptAs, type ResourceRequest } from './context';
import { sendJson } from './http-util';
import { podMetrics, realUsageOf } from './metrics';
import type { Entry } from './object-store';
import { toApiVersion } from './resource-types';
import { parseFieldSelector, parseLabelSelector } from './selectors';
import { buildTable, partialMetadata, type IncludeObject } from './table';

function includeObject(r: ResourceRequest): IncludeObject {
  const v = r.query.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** The object as served under the requested version (kubedb.com kinds are converted). */
function servedJson(entry: Entry, apiVersion: string): string {
  if (entry.object.apiVersion === apiVersion) return entry.json;
  const converted = convertObject(entry.object, apiVersion);
  if (converted !== entry.object) return JSON.stringify(converted);
  return JSON.stringify({ ...entry.object, apiVersion });
}

/** GET /.../plural/name (and /status). */
export function handleGet(r: ResourceRequest): void {
  const { type, info, deps } = r;
  const apiVersion = toApiVersion(type.group, info.version);
  if (type.virtual) {
    const pods = deps.registry.byPlural('', 'pods');
    const pod = pods && deps.state.getEntry(pods, info.namespace, info.name ?? '');
    if (!pod) throw notFound(type, info.name ?? '');
    return sendJson(
      r.res,
      200,
      podMetrics(pod.object, deps.seed, Date.now(), realUsageOf(deps, pod.object)),
    );
  }
  const entry = deps.state.mustGet(type, info.namespace, info.name ?? '');
  const as = acceptAs(r.accept);
  if (as === 'Table') {
    const obj = JSON.parse(servedJson(entry, apiVersion)) as KubeObject;
    return sendJson(
      r.res,
      200,
      buildTable(type, info.version, [obj], includeObject(r), {
        resourceVersion: entry.object.metadata.resourceVersion,
      }),
    );
  }
  if (as === 'PartialObjectMetadata') return sendJson(r.res, 200, partialMetadata(entry.object));
  sendJson(r.res, 200, servedJson(entry, apiVersion));
}

interface ContinueToken {
  rv: string;
  start: string;
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof t.rv === 'string' && typeof t.start === 'string') return t;
  } catch {
    // fall through to the BadRequest below
  }
  throw new SimApiError(
    400,
    'BadRequest',
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

/** LIST of a collection (namespaced or across all namespaces). */
export function handleList(r: ResourceRequest): void {
  const { type, info, deps, query } = r;
  const apiVersion = toApiVersion(type.group, info.version);
  const labels = parseLabelSelector(query.get('labelSelector'));
  const fields = parseFieldSelector(query.get('fieldSelector'));
  const namespace = type.namespaced ? info.namespace : undefined;
  let entries: Entry[];
  if (type.virtual) {
    const pods = deps.registry.byPlural('', 'pods');
    entries = pods ? deps.state.store.objects(pods).list(namespace) : [];
  } else {
    entries = deps.state.store.objects(type).list(namespace);
  }
  const limit = Number(query.get('limit') ?? '0');
  const cont = query.get('continue');
  let rv = deps.state.currentRv();
  let startIdx = 0;
  if (cont) {
    const token = decodeContinue(cont);
    rv = token.rv;
    startIdx = deps.state.store.objects(type).lowerBound(token.start, entries);
    if (entries[startIdx]?.sortKey === token.start) startIdx++;
  }
  const filtering = !labels.empty || !fields.empty;
  const page: Entry[] = [];
  let i = startIdx;
  for (; i < entries.length; i++) {
    const e = entries[i] as Entry;
    if (filtering && !(labels.matches(e.object.metadata.labels) && fields.matches(e.object)))
      continue;
    if (limit > 0 && page.length === limit) break;
    page.push(e);
  }
  const more = limit > 0 && i < entries.length;
  const metadata: Record<string, unknown> = { resourceVersion: rv };
  if (more) {
    const last = page[page.length - 1] as Entry;
    metadata.continue = Buffer.from(JSON.stringify({ rv, start: last.sortKey })).toString(
      'base64url',
    );
    if (!filtering) metadata.remainingItemCount = entries.length - i;
  }
  const as = acceptAs(r.accept);
  if (type.virtual) {
    const now = Date.now();
    const items = page.map((e) =>
      podMetrics(e.object, deps.seed, now, realUsageOf(deps, e.object)),
    );
    return sendJson(r.res, 200, { kind: 'PodMetricsList', apiVersion, metadata, items });
  }
  if (as === 'Table') {
    const objs = page.map((e) => JSON.parse(servedJson(e, apiVersion)) as KubeObject);
    return sendJson(r.res, 200, buildTable(type, info.version, objs, includeObject(r), metadata));
  }
  if (as === 'PartialObjectMetadataList' || as === 'PartialObjectMetadata') {
    return sendJson(r.res, 200, {
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1',
      metadata,
      items: page.map((e) => partialMetadata(e.object)),
    });
  }
  // Assembled from each object's cached JSON: no per-request re-serialisation of the items.
  const head = `{"kind":${JSON.stringify(type.listKind)},"apiVersion":${JSON.stringify(apiVersion)},"metadata":${JSON.stringify(metadata)},"items":[`;
  sendJson(r.res, 200, head + page.map((e) => servedJson(e, apiVersion)).join(',') + ']}');
}
