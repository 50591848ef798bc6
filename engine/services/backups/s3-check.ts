/**
 * `POST /backup-storages/:id/test`: reach, credentials, bucket, then write/read/delete a probe
 * object, against the real S3. Messages name what failed and never hold a key.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { StorageCheck, StorageTestResponse } from '../../domain/backup-views';
import type { BackupStorage } from '../../domain';
import type { S3Keys } from './index';

const REACH_TIMEOUT_MS = 3_000;
const CALL_TIMEOUT_MS = 10_000;
const NAMES: StorageCheck['name'][] = ['reach', 'credentials', 'bucket', 'write', 'read', 'delete'];

type Storage = Pick<BackupStorage, 'endpoint' | 'bucket' | 'region' | 'prefix' | 'forcePathStyle'>;

/** An S3 client for a storage: no retries, short timeouts (a test should answer in seconds). */
export function s3ClientFor(storage: Storage, keys: S3Keys): S3Client {
  return new S3Client({
    endpoint: storage.endpoint,
    region: storage.region || 'us-east-1',
    forcePathStyle: storage.forcePathStyle,
    credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
    maxAttempts: 1,
  });
}

function hostAndPort(endpoint: string): { host: string; port: number } {
  const url = new URL(endpoint);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
}

function reach(endpoint: string): Promise<string | null> {
  const { host, port } = hostAndPort(endpoint);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(REACH_TIMEOUT_MS, () =>
      done(`no answer from ${host}:${port} within ${REACH_TIMEOUT_MS / 1000} s`),
    );
    socket.once('connect', () => done(null));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(`cannot connect to ${host}:${port} (${error.code ?? 'connection failed'})`),
    );
  });
}

interface S3Failure {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The error's S3 code and HTTP status, never its message (which may echo a request). */
function describe(error: unknown): { code: string; status: number | undefined } {
  const failure = (error ?? {}) as S3Failure;
  return {
    code: failure.Code ?? failure.name ?? 'Error',
    status: failure.$metadata?.httpStatusCode,
  };
}

const CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'InvalidToken',
  'ExpiredToken',
]);

function signal(): AbortSignal {
  return AbortSignal.timeout(CALL_TIMEOUT_MS);
}

/** Runs the checks in order; once one fails the rest are reported as not run. */
export async function checkStorage(storage: Storage, keys: S3Keys): Promise<StorageTestResponse> {
  const checks: StorageCheck[] = [];
  const pass = (name: StorageCheck['name'], message: string) =>
    checks.push({ name, ok: true, message });
  const finish = (name: StorageCheck['name'], message: string): StorageTestResponse => {
    checks.push({ name, ok: false, message });
    for (const rest of NAMES.slice(NAMES.indexOf(name) + 1))
      checks.push({ name: rest, ok: false, message: `not run: the ${name} check failed` });
    return { ok: false, checks };
  };

  const unreachable = await reach(storage.endpoint);
  if (unreachable) return finish('reach', `the S3 endpoint is not reachable: ${unreachable}`);
  pass('reach', `${new URL(storage.endpoint).host} accepts connections`);

  const client = s3ClientFor(storage, keys);
  try {
    try {
      await client.send(new ListBucketsCommand({}), { abortSignal: signal() });
      pass('credentials', 'the access key and secret are accepted');
    } catch (error) {
      const { code, status } = describe(error);
      if (CREDENTIAL_CODES.has(code) || status === 403) {
        if (code !== 'AccessDenied')
          return finish('credentials', `the S3 service refused the access key or secret (${code})`);
        // A key limited to one bucket may not list buckets: the bucket check decides.
        pass('credentials', 'the keys are accepted (listing buckets is not allowed to them)');
      } else {
        return finish('credentials', `the S3 service did not answer as S3 does (${code})`);
      }
    }

    try {
      await client.send(new HeadBucketCommand({ Bucket: storage.bucket }), {
        abortSignal: signal(),
      });
      pass('bucket', `bucket ${storage.bucket} exists and is accessible`);
    } catch (error) {
      const { code, status } = describe(error);
      if (status === 404 || code === 'NotFound' || code === 'NoSuchBucket')
        return finish('bucket', `bucket ${storage.bucket} does not exist`);
      if (status === 403)
        return finish('bucket', `the keys may not access bucket ${storage.bucket} (${code})`);
      return finish('bucket', `bucket ${storage.bucket} could not be checked (${code})`);
    }

    const prefix = storage.prefix ? `${storage.prefix.replace(/\/+$/, '')}/` : '';
    const key = `${prefix}.dbaas-probe-${randomUUID()}`;
    const body = `dbaas storage probe ${randomUUID()}`;
    try {
      await client.send(new PutObjectCommand({ Bucket: storage.bucket, Key: key, Body: body }), {
        abortSignal: signal(),
      });
      pass('write', `wrote the probe object ${key}`);
    } catch (error) {
      return finish('write', `could not write ${key} (${describe(error).code})`);
    }
    try {
      const read = await client.send(new GetObjectCommand({ Bucket: storage.bucket, Key: key }), {
        abortSignal: signal(),
      });
      const text = await read.Body?.transformToString();
      if (text !== body) return finish('read', `the probe object ${key} read back different`);
      pass('read', `read the probe object back unchanged`);
    } catch (error) {
      return finish('read', `could not read ${key} (${describe(error).code})`);
    }
    try {
      await client.send(new DeleteObjectCommand({ Bucket: storage.bucket, Key: key }), {
        abortSignal: signal(),
      });
      pass('delete', 'deleted the probe object');
    } catch (error) {
      return finish('delete', `could not delete ${key} (${describe(error).code})`);
    }
    return { ok: true, checks };
  } finally {
    client.destroy();
  }
}
