/**
 * What the real API server's registry strategies do to built-in kinds on write: Secret
 * `stringData` folded into base64 `data`, namespaces Active with the `kubernetes` finalizer,
 * services given a cluster IP, pods created Pending, CRDs accepted and Established.
 */
import { SimApiError, type KubeObject } from '../core/contract';
import type { ResourceType } from './resource-types';

type Json = Record<string, unknown>;

let nextIp = 1;

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Applies the built-in kind's rules; `old` is undefined on create. */
export function prepareBuiltin(
  type: ResourceType,
  obj: KubeObject,
  old: KubeObject | undefined,
  http: boolean,
): KubeObject {
  switch (`${type.group}/${type.kind}`) {
    case '/Secret':
      return prepareSecret(obj);
    case '/Namespace':
      obj.spec = { finalizers: ['kubernetes'], ...(obj.spec ?? {}) };
      if (!old) obj.status = { phase: 'Active' };
      else obj.status = old.status;
      return obj;
    case '/Service': {
      const spec: Json = {
        type: 'ClusterIP',
        sessionAffinity: 'None',
        ...((obj.spec as Json) ?? {}),
      };
      if (!spec.clusterIP) {
        const prev = (old?.spec as Json | undefined)?.clusterIP;
        spec.clusterIP = prev ?? `10.96.${Math.floor(nextIp / 250) % 250}.${(nextIp++ % 250) + 1}`;
      }
      spec.clusterIPs ??= [spec.clusterIP];
      obj.spec = spec;
      return obj;
    }
    case '/Pod':
      if (!old && (http || obj.status === undefined))
        obj.status = { phase: 'Pending', qosClass: 'BestEffort' };
      return obj;
    case '/PersistentVolumeClaim':
      if (!old && obj.status === undefined) obj.status = { phase: 'Pending' };
      return obj;
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      return prepareCrd(type, obj);
    default:
      return obj;
  }
}

function prepareSecret(obj: KubeObject): KubeObject {
  const stringData = obj.stringData as Record<string, string> | undefined;
  if (stringData) {
    const data = { ...((obj.data as Record<string, string>) ?? {}) };
    for (const [k, v] of Object.entries(stringData))
      data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    obj.data = data;
    delete obj.stringData;
  }
  for (const [k, v] of Object.entries((obj.data as Record<string, unknown>) ?? {})) {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) {
      throw new SimApiError(
        400,
        'BadRequest',
        `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0 (data[${k}])`,
      );
    }
  }
  obj.type ??= 'Opaque';
  return obj;
}

function prepareCrd(type: ResourceType, obj: KubeObject): KubeObject {
  const spec = obj.spec as Json | undefined;
  const names = spec?.names as Json | undefined;
  const name = obj.metadata.name ?? '';
  const causes: { reason: string; message: string; field: string }[] = [];
  if (!spec?.group)
    causes.push({ reason: 'FieldValueRequired', field: 'spec.group', message: 'Required value' });
  if (!names?.plural)
    causes.push({
      reason: 'FieldValueRequired',
      field: 'spec.names.plural',
      message: 'Required value',
    });
  if (!names?.kind)
    causes.push({
      reason: 'FieldValueRequired',
      field: 'spec.names.kind',
      message: 'Required value',
    });
  if (!Array.isArray(spec?.versions) || spec.versions.length === 0) {
    causes.push({
      reason: 'FieldValueRequired',
      field: 'spec.versions',
      message: 'Required value',
    });
  }
  if (causes.length === 0 && name !== `${String(names?.plural)}.${String(spec?.group)}`) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`,
    });
  }
  if (causes.length > 0) {
    const texts = causes.map((c) => `${c.field}: ${c.message}`);
    throw new SimApiError(
      422,
      'Invalid',
      `${type.kind}.${type.group} "${name}" is invalid: ${texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`}`,
      causes,
    );
  }
  const ts = now();
  obj.status = {
    acceptedNames: {
      ...names,
      singular: names?.singular ?? String(names?.kind).toLowerCase(),
      listKind: names?.listKind ?? `${String(names?.kind)}List`,
    },
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        reason: 'NoConflicts',
        message: 'no conflicts found',
        lastTransitionTime: ts,
      },
      {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
        lastTransitionTime: ts,
      },
    ],
    storedVersions: ((spec?.versions as Json[]) ?? []).filter((v) => v.storage).map((v) => v.name),
  };
  return obj;
}
