/**
 * The test S3 is a real S3: Ceph's RADOS Gateway, started once per run (npm test, or the vitest
 * global set-up for this file). SigV4 is checked, multipart uploads, paging, versioning and
 * lifecycle work, object lock holds a version until its retention date, restic backs up into it and reads back the same bytes, and a Ceph of its own
 * leaves no process and no port behind when stopped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
  ListObjectVersionsCommand,
  DeleteObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  PutObjectRetentionCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCephRgw } from '../../scripts/lib/ceph-rgw.mjs';
import { createTestBucket, s3Client, s3ForTests, type TestBucket } from '../helpers/s3';

const client = s3Client();
let bucket: TestBucket;
beforeAll(async () => {
  bucket = await createTestBucket('s3-ceph');
});
afterAll(async () => {
  await bucket?.cleanup();
  client.destroy();
});

async function bodyBytes(key: string, versionId?: string): Promise<Buffer> {
  const answer = await client.send(
    new GetObjectCommand({ Bucket: bucket.name, Key: key, VersionId: versionId }),
  );
  return Buffer.from(await answer.Body!.transformToByteArray());
}

describe('the test S3 (Ceph RGW)', () => {
  it('checks SigV4 signatures: a wrong secret is 403, the right one lists the bucket', async () => {
    const wrong = s3Client({ secretAccessKey: `${s3ForTests().secretAccessKey}x` });
    const error = await wrong.send(new ListBucketsCommand({})).then(
      () => undefined,
      (e: { $metadata?: { httpStatusCode?: number }; name?: string }) => e,
    );
    wrong.destroy();
    expect(error?.$metadata?.httpStatusCode).toBe(403);
    expect(error?.name).toBe('SignatureDoesNotMatch');
    const unknownKey = s3Client({ accessKeyId: 'NOSUCHKEY0000000000' });
    const unknown = await unknownKey.send(new ListBucketsCommand({})).then(
      () => undefined,
      (e: { $metadata?: { httpStatusCode?: number } }) => e,
    );
    unknownKey.destroy();
    expect(unknown?.$metadata?.httpStatusCode).toBe(403);
    const right = await client.send(new ListBucketsCommand({}));
    expect(right.Buckets?.map((b) => b.Name)).toContain(bucket.name);
  });

  it('round-trips a multipart upload of three parts', async () => {
    const parts = [randomBytes(5 * 1024 * 1024), randomBytes(5 * 1024 * 1024), randomBytes(1234)];
    const key = 'multipart/object.bin';
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket.name, Key: key }),
    );
    const uploaded = [];
    for (const [i, part] of parts.entries()) {
      const { ETag } = await client.send(
        new UploadPartCommand({
          Bucket: bucket.name,
          Key: key,
          UploadId,
          PartNumber: i + 1,
          Body: part,
        }),
      );
      uploaded.push({ ETag, PartNumber: i + 1 });
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket.name,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: uploaded },
      }),
    );
    const whole = Buffer.concat(parts);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket.name, Key: key }));
    expect(head.ContentLength).toBe(whole.length);
    // A multipart ETag is the MD5 of the parts' MD5s, then "-" and the part count.
    const md5s = Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()));
    expect(head.ETag).toBe(`"${createHash('md5').update(md5s).digest('hex')}-3"`);
    expect((await bodyBytes(key)).equals(whole)).toBe(true);
  });

  it('pages ListObjectsV2 with continuation tokens', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `paging/key-${i}`);
    for (const key of keys) {
      await client.send(new PutObjectCommand({ Bucket: bucket.name, Key: key, Body: key }));
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket.name,
          Prefix: 'paging/',
          MaxKeys: 3,
          ContinuationToken: token,
        }),
      );
      pages++;
      expect(page.KeyCount).toBeLessThanOrEqual(3);
      seen.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(keys);
  });

  it('keeps every version of an object once versioning is on', async () => {
    await client.send(
      new PutBucketVersioningCommand({
        Bucket: bucket.name,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    const key = 'versioned/state.txt';
    const first = await client.send(
      new PutObjectCommand({ Bucket: bucket.name, Key: key, Body: 'first' }),
    );
    await client.send(new PutObjectCommand({ Bucket: bucket.name, Key: key, Body: 'second' }));
    expect((await bodyBytes(key)).toString()).toBe('second');
    expect((await bodyBytes(key, first.VersionId)).toString()).toBe('first');
    await client.send(new DeleteObjectCommand({ Bucket: bucket.name, Key: key }));
    const versions = await client.send(
      new ListObjectVersionsCommand({ Bucket: bucket.name, Prefix: key }),
    );
    expect(versions.Versions).toHaveLength(2);
    expect(versions.DeleteMarkers).toHaveLength(1);
    expect((await bodyBytes(key, first.VersionId)).toString()).toBe('first');
  });

  it('accepts a lifecycle rule and gives it back', async () => {
    await client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket.name,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'expire-tmp',
              Status: 'Enabled',
              Filter: { Prefix: 'tmp/' },
              Expiration: { Days: 1 },
            },
          ],
        },
      }),
    );
    const rules = await client.send(
      new GetBucketLifecycleConfigurationCommand({ Bucket: bucket.name }),
    );
    expect(rules.Rules).toHaveLength(1);
    expect(rules.Rules?.[0]).toMatchObject({ ID: 'expire-tmp', Expiration: { Days: 1 } });
  });

  it('keeps a version under object lock until its retention date; governance can be bypassed', async () => {
    const name = `${bucket.name}-lock`;
    await client.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: true }));
    try {
      const lock = await client.send(new GetObjectLockConfigurationCommand({ Bucket: name }));
      expect(lock.ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
      const put = await client.send(
        new PutObjectCommand({ Bucket: name, Key: 'kept', Body: 'snapshot index' }),
      );
      const until = new Date(Date.now() + 24 * 3600_000);
      await client.send(
        new PutObjectRetentionCommand({
          Bucket: name,
          Key: 'kept',
          VersionId: put.VersionId,
          Retention: { Mode: 'GOVERNANCE', RetainUntilDate: until },
        }),
      );
      const retention = await client.send(
        new GetObjectRetentionCommand({ Bucket: name, Key: 'kept', VersionId: put.VersionId }),
      );
      expect(retention.Retention?.Mode).toBe('GOVERNANCE');
      expect(
        Math.abs((retention.Retention?.RetainUntilDate?.getTime() ?? 0) - until.getTime()),
      ).toBeLessThan(2_000);
      // Deleting the locked version is refused, and the bytes stay.
      const refused = await client
        .send(new DeleteObjectCommand({ Bucket: name, Key: 'kept', VersionId: put.VersionId }))
        .then(
          () => undefined,
          (e: { $metadata?: { httpStatusCode?: number } }) => e,
        );
      expect(refused?.$metadata?.httpStatusCode).toBe(403);
      const body = await client.send(
        new GetObjectCommand({ Bucket: name, Key: 'kept', VersionId: put.VersionId }),
      );
      expect(await body.Body!.transformToString()).toBe('snapshot index');
      // Governance mode yields to a caller who asks to bypass it (the clean-up below does).
      await client.send(
        new DeleteObjectCommand({
          Bucket: name,
          Key: 'kept',
          VersionId: put.VersionId,
          BypassGovernanceRetention: true,
        }),
      );
      const left = await client.send(new ListObjectVersionsCommand({ Bucket: name }));
      expect(left.Versions ?? []).toEqual([]);
    } finally {
      const left = await client.send(new ListObjectVersionsCommand({ Bucket: name }));
      for (const v of [...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])])
        await client.send(
          new DeleteObjectCommand({
            Bucket: name,
            Key: v.Key,
            VersionId: v.VersionId,
            BypassGovernanceRetention: true,
          }),
        );
      await client.send(new DeleteBucketCommand({ Bucket: name }));
    }
  });

  it('holds a restic repository: init, backup --stdin, snapshots --json, dump', async () => {
    const s3 = s3ForTests();
    const repo = `s3:${s3.endpoint}/${bucket.name}/restic/demo`;
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_DEFAULT_REGION: s3.region,
      RESTIC_PASSWORD: 'restic-test-password',
      RESTIC_REPOSITORY: repo,
    };
    const restic = (args: string[], input?: Buffer) =>
      runTool('restic', ['--no-cache', ...args], env, input);
    await restic(['init']);
    const dump = randomBytes(300_000);
    await restic(['backup', '--stdin', '--stdin-filename', 'db.dump', '--tag', 'test'], dump);
    const snapshots = JSON.parse((await restic(['snapshots', '--json'])).toString()) as {
      short_id: string;
      tags?: string[];
      paths: string[];
    }[];
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]!.tags).toEqual(['test']);
    expect(snapshots[0]!.paths).toEqual(['/db.dump']);
    const back = await restic(['dump', snapshots[0]!.short_id, '/db.dump']);
    expect(back.length).toBe(dump.length);
    expect(back.equals(dump)).toBe(true);
    // restic wrote its repository into the bucket under the prefix.
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: bucket.name, Prefix: 'restic/demo/' }),
    );
    expect(listed.Contents?.map((o) => o.Key)).toContain('restic/demo/config');
  });
});

describe('a Ceph RGW of its own', () => {
  it('stop() leaves no ceph or radosgw process and frees the ports', async () => {
    const own = await startCephRgw({ timeoutMs: 90_000 });
    expect(own.endpoint).toBe(`http://127.0.0.1:${own.ports.rgw}`);
    expect(own.ports.rgw).toBeLessThan(32768);
    expect(own.pids).toHaveLength(3);
    const names = own.pids.map((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
    expect(names).toEqual(['ceph-mon', 'ceph-osd', 'radosgw']);
    const ports = [own.ports.mon, own.ports.rgw];
    for (const port of ports) expect(await portFree(port)).toBe(false);
    own.stop();
    expect(runningDaemonsOf(own.dataDir)).toEqual([]);
    for (const pid of own.pids) expect(running(pid)).toBe(false);
    for (const port of ports) expect(await portFree(port)).toBe(true);
    expect(spawnSync('ls', [own.dataDir]).status).not.toBe(0);
  }, 120_000);
});

/** Live (not zombie) processes whose command line names `dir`. */
function runningDaemonsOf(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        return running(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    });
}

function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function runTool(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: Buffer,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(Buffer.concat(out))
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err.trim()}`)),
    );
    child.stdin.end(input);
  });
}
