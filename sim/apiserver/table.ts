/**
 * `meta.k8s.io/v1` Table answers for `kubectl get`: printer columns from the CRD (JSONPath subset)
 * for custom kinds, the usual columns for built-ins, and the row object per `includeObject`.
 */
import type { KubeObject } from '../core/contract';
import type { PrinterColumn, ResourceType } from './resource-types';
import { toText } from './text';

type Json = Record<string, unknown>;

/** Go's duration.HumanDuration, as kubectl shows ages. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (y < 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

/** Evaluates a printer-column JSONPath (`.a.b`, `[0]`, `[*]`, `[?(@.type=="Ready")]`). */
export function evalJsonPath(object: unknown, path: string): unknown[] {
  const text = path
    .trim()
    .replace(/^\{(.*)\}$/, '$1')
    .replace(/^\$/, '');
  const tokens = text.match(/\.[^.[\]]+|\[[^\]]*\]/g) ?? [];
  let cur: unknown[] = [object];
  for (const tok of tokens) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (tok.startsWith('.')) {
        if (typeof v === 'object' && v !== null && !Array.isArray(v))
          next.push((v as Json)[tok.slice(1)]);
        continue;
      }
      if (!Array.isArray(v)) continue;
      const inner = tok.slice(1, -1).trim();
      if (inner === '*') next.push(...(v as unknown[]));
      else if (/^-?\d+$/.test(inner)) next.push(v.at(Number(inner)));
      else {
        const m = /^\?\(@\.([\w.]+)\s*==\s*["']?([^"']*)["']?\)$/.exec(inner);
        if (m)
          next.push(
            ...(v as unknown[]).filter(
              (item) => toText(evalJsonPath(item, `.${m[1]}`)[0]) === m[2],
            ),
          );
      }
    }
    cur = next.filter((x) => x !== undefined);
  }
  return cur;
}

function age(obj: KubeObject, nowMs: number): string {
  const ts = obj.metadata.creationTimestamp;
  return ts ? humanDuration(nowMs - Date.parse(ts)) : '<unknown>';
}

function cell(obj: KubeObject, col: PrinterColumn, nowMs: number): unknown {
  const values = evalJsonPath(obj, col.jsonPath);
  if (values.length === 0) return null;
  const v = values[0];
  if (col.type === 'date' && typeof v === 'string') return humanDuration(nowMs - Date.parse(v));
  if (values.length > 1) return values.map((x) => toText(x)).join(',');
  return typeof v === 'object' ? JSON.stringify(v) : v;
}

interface BuiltinColumns {
  columns: PrinterColumn[];
  cells(obj: KubeObject, nowMs: number): unknown[];
}

const col = (name: string, type = 'string', priority = 0): PrinterColumn => ({
  name,
  type,
  jsonPath: '',
  priority,
});

function podCells(obj: KubeObject, nowMs: number): unknown[] {
  const spec = (obj.spec as Json) ?? {};
  const status = (obj.status as Json) ?? {};
  const containers = (spec.containers as unknown[]) ?? [];
  const statuses = (status.containerStatuses as Json[]) ?? [];
  const ready = statuses.filter((c) => c.ready === true).length;
  const restarts = statuses.reduce((n, c) => n + Number(c.restartCount ?? 0), 0);
  let phase = toText(status.phase, 'Pending');
  for (const c of statuses) {
    const waiting = (c.state as Json | undefined)?.waiting as Json | undefined;
    if (waiting?.reason) phase = toText(waiting.reason);
  }
  if (obj.metadata.deletionTimestamp) phase = 'Terminating';
  return [
    obj.metadata.name,
    `${ready}/${containers.length}`,
    phase,
    restarts,
    age(obj, nowMs),
    status.podIP ?? '<none>',
    spec.nodeName ?? '<none>',
  ];
}

const BUILTIN: Record<string, BuiltinColumns> = {
  '/pods': {
    columns: [
      col('Name'),
      col('Ready'),
      col('Status'),
      col('Restarts', 'integer'),
      col('Age'),
      col('IP', 'string', 1),
      col('Node', 'string', 1),
    ],
    cells: podCells,
  },
  '/namespaces': {
    columns: [col('Name'), col('Status'), col('Age')],
    cells: (o, n) => [o.metadata.name, (o.status as Json | undefined)?.phase ?? '', age(o, n)],
  },
  '/secrets': {
    columns: [col('Name'), col('Type'), col('Data', 'integer'), col('Age')],
    cells: (o, n) => [
      o.metadata.name,
      o.type ?? 'Opaque',
      Object.keys((o.data as Json) ?? {}).length,
      age(o, n),
    ],
  },
  '/configmaps': {
    columns: [col('Name'), col('Data', 'integer'), col('Age')],
    cells: (o, n) => [
      o.metadata.name,
      Object.keys((o.data as Json) ?? {}).length + Object.keys((o.binaryData as Json) ?? {}).length,
      age(o, n),
    ],
  },
  '/services': {
    columns: [
      col('Name'),
      col('Type'),
      col('Cluster-IP'),
      col('External-IP'),
      col('Port(s)'),
      col('Age'),
    ],
    cells: (o, n) => {
      const spec = (o.spec as Json) ?? {};
      const ports = ((spec.ports as Json[]) ?? [])
        .map((p) => `${toText(p.port)}/${toText(p.protocol, 'TCP')}`)
        .join(',');
      return [
        o.metadata.name,
        spec.type ?? 'ClusterIP',
        spec.clusterIP ?? '<none>',
        '<none>',
        ports || '<none>',
        age(o, n),
      ];
    },
  },
  '/persistentvolumeclaims': {
    columns: [
      col('Name'),
      col('Status'),
      col('Volume'),
      col('Capacity'),
      col('Access Modes'),
      col('StorageClass'),
      col('Age'),
    ],
    cells: (o, n) => {
      const spec = (o.spec as Json) ?? {};
      const status = (o.status as Json) ?? {};
      const cap = ((status.capacity as Json | undefined)?.storage as string | undefined) ?? '';
      const modes = ((spec.accessModes as string[]) ?? [])
        .map((m) => ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX' })[m] ?? m)
        .join(',');
      return [
        o.metadata.name,
        status.phase ?? '',
        spec.volumeName ?? '',
        cap,
        modes,
        spec.storageClassName ?? '<unset>',
        age(o, n),
      ];
    },
  },
  '/events': {
    columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Message')],
    cells: (o, n) => {
      const inv = (o.involvedObject as Json) ?? {};
      const last =
        (o.lastTimestamp as string | undefined) ??
        (o.eventTime as string | undefined) ??
        o.metadata.creationTimestamp;
      return [
        last ? humanDuration(n - Date.parse(last)) : '<unknown>',
        o.type ?? '',
        o.reason ?? '',
        `${toText(inv.kind).toLowerCase()}/${toText(inv.name)}`,
        o.message ?? '',
      ];
    },
  },
  'coordination.k8s.io/leases': {
    columns: [col('Name'), col('Holder'), col('Age')],
    cells: (o, n) => [
      o.metadata.name,
      (o.spec as Json | undefined)?.holderIdentity ?? '',
      age(o, n),
    ],
  },
  'apiextensions.k8s.io/customresourcedefinitions': {
    columns: [col('Name'), col('Created At', 'date')],
    cells: (o) => [o.metadata.name, o.metadata.creationTimestamp],
  },
};

/** Which object each row carries. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Builds a Table for `objects` of one type. */
export function buildTable(
  type: ResourceType,
  version: string,
  objects: KubeObject[],
  includeObject: IncludeObject,
  listMeta: Json,
  nowMs = Date.now(),
): Json {
  const builtin = BUILTIN[`${type.group}/${type.plural}`];
  const crdCols = type.printerColumns[version] ?? [];
  const nameCol: PrinterColumn = {
    name: 'Name',
    type: 'string',
    jsonPath: '.metadata.name',
    format: 'name',
    description: 'Name must be unique within a namespace.',
  };
  const columns: PrinterColumn[] = builtin
    ? builtin.columns
    : [
        nameCol,
        ...(crdCols.length
          ? crdCols
          : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }]),
      ];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type === 'date' ? 'string' : c.type,
      format: c.format ?? (c.name === 'Name' ? 'name' : ''),
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
    rows: objects.map((o) => ({
      cells: builtin
        ? builtin.cells(o, nowMs)
        : columns.map((c) => (c === nameCol ? o.metadata.name : cell(o, c, nowMs))),
      ...(includeObject === 'None'
        ? {}
        : { object: includeObject === 'Object' ? o : partialMetadata(o) }),
    })),
  };
}

/** `PartialObjectMetadata` of an object (rows with includeObject=Metadata). */
export function partialMetadata(o: KubeObject): Json {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}
