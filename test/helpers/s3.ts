/**
 * The real S3 of this test run: a private Ceph RADOS Gateway that `npm test` (or the vitest
 * global set-up, for S3 test files) starts once and describes in TEST_S3_* variables.
 */
import { randomBytes } from 'node:crypto';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  S3Client,
  CreateBucketCommand,
} from '@aws-sdk/client-s3';

export interface TestS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

const VARS = [
  'TEST_S3_ENDPOINT',
  'TEST_S3_ACCESS_KEY_ID',
  'TEST_S3_SECRET_ACCESS_KEY',
  'TEST_S3_REGION',
] as const;

/** The endpoint and keys; throws one line naming the variables when they are not set. */
export function s3ForTests(): TestS3 {
  const missing = VARS.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} not set: run through npm test, or vitest on an S3 test file (or with TEST_S3=1), which start a private Ceph RGW`,
    );
  }
  return {
    endpoint: process.env.TEST_S3_ENDPOINT!,
    accessKeyId: process.env.TEST_S3_ACCESS_KEY_ID!,
    secretAccessKey: process.env.TEST_S3_SECRET_ACCESS_KEY!,
    region: process.env.TEST_S3_REGION!,
  };
}

/** An S3Client for the test S3 (path-style addressing, as Ceph RGW on an IP needs). */
export function s3Client(overrides: Partial<TestS3> = {}): S3Client {
  const s3 = { ...s3ForTests(), ...overrides };
  // The SDK warns once per process that its 2027 releases need Node 22; the pinned one runs on 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    // RGW is on loopback: a failure should show at once, not after the SDK's back-off.
    maxAttempts: 2,
  });
}

export interface TestBucket {
  name: string;
  /** Deletes every object version and delete marker, then the bucket. */
  cleanup(): Promise<void>;
}

/** Creates a bucket with a fresh name (`prefix`, lower-case letters, digits and dashes). */
export async function createTestBucket(prefix = 'test', client = s3Client()): Promise<TestBucket> {
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(prefix)) {
    throw new Error(
      `bucket prefix must be 1-41 lower-case letters, digits or dashes, got ${prefix}`,
    );
  }
  const name = `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: name }));
  return { name, cleanup: () => emptyAndDeleteBucket(client, name) };
}

export async function emptyAndDeleteBucket(client: S3Client, bucket: string): Promise<void> {
  // Bounded: an object under lock would otherwise keep the loop going.
  for (let round = 0; round < 100; round++) {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key!,
      VersionId: v.VersionId,
    }));
    if (objects.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}
