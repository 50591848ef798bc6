/**
 * Just enough of the Kubernetes protobuf encoding to read what kubectl's typed commands send
 * (`kubectl create namespace|configmap|secret`): the "k8s\0" envelope (runtime.Unknown) around a
 * Namespace, ConfigMap or Secret with its ObjectMeta. client-go does not fall back to JSON on 415,
 * so without this those commands could not talk to the simulator.
 */
import { SimApiError, type KubeObject } from '../core/contract';

type Fields = Map<number, (Buffer | number)[]>;

function readVarint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new SimApiError(400, 'BadRequest', 'truncated protobuf body');
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7;
  }
}

/** Splits a message into its fields (numbers for varints, buffers for length-delimited). */
function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = readVarint(buf, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    let value: Buffer | number;
    if (wire === 0) {
      [value, pos] = readVarint(buf, p1);
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, p1);
      value = buf.subarray(p2, p2 + len);
      pos = p2 + len;
    } else if (wire === 1) {
      value = 0;
      pos = p1 + 8;
    } else if (wire === 5) {
      value = 0;
      pos = p1 + 4;
    } else {
      throw new SimApiError(400, 'BadRequest', `unsupported protobuf wire type ${wire}`);
    }
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

function str(f: Fields, n: number): string | undefined {
  const v = f.get(n)?.[0];
  return Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
}

function map(f: Fields, n: number, bytesValue: boolean): Record<string, string> | undefined {
  const entries = f.get(n);
  if (!entries) return undefined;
  const out: Record<string, string> = {};
  for (const e of entries) {
    if (!Buffer.isBuffer(e)) continue;
    const kv = fields(e);
    const value = kv.get(2)?.[0];
    out[str(kv, 1) ?? ''] = Buffer.isBuffer(value)
      ? bytesValue
        ? value.toString('base64')
        : value.toString('utf8')
      : '';
  }
  return out;
}

function objectMeta(buf: Buffer | number | undefined): KubeObject['metadata'] {
  if (!Buffer.isBuffer(buf)) return {};
  const f = fields(buf);
  const meta: KubeObject['metadata'] = {};
  const set = (k: string, v: unknown) => {
    if (v !== undefined) meta[k] = v;
  };
  set('name', str(f, 1));
  set('generateName', str(f, 2));
  set('namespace', str(f, 3));
  set('labels', map(f, 11, false));
  set('annotations', map(f, 12, false));
  const finalizers = f
    .get(14)
    ?.filter((b): b is Buffer => Buffer.isBuffer(b))
    .map((b) => b.toString('utf8'));
  if (finalizers?.length) meta.finalizers = finalizers;
  return meta;
}

/** True for a body in the Kubernetes protobuf envelope. */
export function isKubeProtobuf(body: Buffer): boolean {
  return body.length >= 4 && body.subarray(0, 4).toString('latin1') === 'k8s\0';
}

/** Decodes a Namespace, ConfigMap or Secret; anything else is a 415 (JSON is always accepted). */
export function decodeKubeProtobuf(body: Buffer): KubeObject {
  const unknown = fields(body.subarray(4));
  const typeMeta = unknown.get(1)?.[0];
  const tm: Fields = Buffer.isBuffer(typeMeta)
    ? fields(typeMeta)
    : new Map<number, (Buffer | number)[]>();
  const apiVersion = str(tm, 1) ?? '';
  const kind = str(tm, 2) ?? '';
  const rawBuf = unknown.get(2)?.[0];
  const raw = Buffer.isBuffer(rawBuf) ? fields(rawBuf) : new Map<number, (Buffer | number)[]>();
  const obj: KubeObject = { apiVersion, kind, metadata: objectMeta(raw.get(1)?.[0]) };
  if (apiVersion === 'v1' && kind === 'Namespace') return obj;
  if (apiVersion === 'v1' && kind === 'ConfigMap') {
    const data = map(raw, 2, false);
    const binaryData = map(raw, 3, true);
    if (data) obj.data = data;
    if (binaryData) obj.binaryData = binaryData;
    return obj;
  }
  if (apiVersion === 'v1' && kind === 'Secret') {
    const data = map(raw, 2, true);
    if (data) obj.data = data;
    const type = str(raw, 3);
    if (type) obj.type = type;
    const stringData = map(raw, 4, false);
    if (stringData) obj.stringData = stringData;
    return obj;
  }
  throw new SimApiError(
    415,
    'UnsupportedMediaType',
    'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
  );
}
