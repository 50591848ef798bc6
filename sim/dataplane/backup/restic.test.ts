import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { Restic, ResticError, bucketOf, classify } from './restic';

const dir = mkdtempSync(join(tmpdir(), 'restic-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function repo(name: string, password = 'unit-test-password-1'): Restic {
  return new Restic(
    { repository: join(dir, name), accessKeyId: '', secretAccessKey: '', password },
    { host: 'unit', timeoutMs: 60_000 },
  );
}

function payload(text: string): { source: Readable; done: Promise<{ ok: boolean }> } {
  return { source: Readable.from([Buffer.from(text)]), done: Promise.resolve({ ok: true }) };
}

describe('bucketOf', () => {
  it('reads the bucket of an S3 repository location, with or without scheme and prefix', () => {
    expect(bucketOf('s3:http://127.0.0.1:7480/backups/sim/repo')).toBe('backups');
    expect(bucketOf('s3:https://s3.example.com/b')).toBe('b');
    expect(bucketOf('s3:s3.amazonaws.com/kubedb/prefix')).toBe('kubedb');
    expect(bucketOf('/var/lib/restic/repo')).toBeUndefined();
  });
});

describe('restic runner (local backend)', () => {
  it('initialises once, backs up a stream, lists, verifies, dumps and forgets', async () => {
    const r = repo('a');
    expect(await r.ensure()).toBe('created');
    expect(await r.ensure()).toBe('existed');
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const p = payload(`dump number ${n}\n`.repeat(1000));
      const result = await r.backupStream(p.source, p.done, 'dump.sql', ['db=a']);
      expect(result.size).toBe(`dump number ${n}\n`.length * 1000);
      expect(await r.verify(result.snapshotId, 'dump.sql', result.sha256)).toBe(true);
      expect(await r.verify(result.snapshotId, 'dump.sql', 'f'.repeat(64))).toBe(false);
      ids.push(result.snapshotId);
    }
    const listed = await r.snapshots(['db=a']);
    expect(listed.map((s) => s.id)).toEqual(ids);
    const chunks: Buffer[] = [];
    const sink = new (await import('node:stream')).PassThrough();
    sink.on('data', (c: Buffer) => chunks.push(c));
    await r.dumpTo(ids[0] ?? '', 'dump.sql', sink);
    expect(Buffer.concat(chunks).toString()).toBe('dump number 1\n'.repeat(1000));
    await r.forgetKeep({ last: 2 });
    expect((await r.snapshots()).map((s) => s.id)).toEqual(ids.slice(1));
    await r.forgetIds([ids[1] ?? '']);
    expect((await r.snapshots()).map((s) => s.id)).toEqual(ids.slice(2));
    expect(await r.check()).toBe(true);
  }, 120_000);

  it('writes no snapshot when the dump fails mid-stream', async () => {
    const r = repo('b');
    await r.ensure();
    const source = new Readable({ read() {} });
    source.push(Buffer.from('partial data '.repeat(1000)));
    const done = new Promise<{ ok: boolean; message?: string }>((resolve) =>
      setTimeout(() => {
        source.push(null);
        resolve({ ok: false, message: 'pg_dumpall exited with code 1' });
      }, 300),
    );
    await expect(r.backupStream(source, done, 'dump.sql', [])).rejects.toMatchObject({
      reason: 'DumpFailed',
    });
    expect(await r.snapshots()).toEqual([]);
    const p = payload('whole');
    await r.backupStream(p.source, p.done, 'dump.sql', []);
    expect(await r.snapshots()).toHaveLength(1);
  }, 60_000);

  it('names a wrong password without leaking it', async () => {
    await repo('c').ensure();
    const wrong = repo('c', 'the-wrong-secret-xyz');
    const error = await wrong.snapshots().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResticError);
    expect((error as ResticError).reason).toBe('WrongPassword');
    expect((error as Error).message).not.toContain('the-wrong-secret-xyz');
  }, 60_000);

  it('names a full bucket QuotaExceeded, not wrong credentials (both are 403s)', () => {
    expect(
      classify(
        'Fatal: unable to save snapshot: client.PutObject: Error response code QuotaExceeded.',
      ),
    ).toBe('QuotaExceeded');
    expect(classify('client.PutObject: Access Denied.')).toBe('WrongCredentials');
  });

  it('removes a stale lock left by a killed restic', async () => {
    const r = repo('d');
    await r.ensure();
    // A lock of a restic that was killed -9: same host, a pid that no longer exists.
    const child = spawn(
      'setpriv',
      ['--pdeathsig', 'KILL', '--', 'restic', '--no-cache', 'backup', '--stdin'],
      {
        env: {
          PATH: '/usr/bin:/bin',
          RESTIC_REPOSITORY: join(dir, 'd'),
          RESTIC_PASSWORD: 'unit-test-password-1',
        },
        stdio: ['pipe', 'ignore', 'ignore'],
      },
    );
    const deadline = Date.now() + 20_000;
    while (readdirSync(join(dir, 'd', 'locks')).length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readdirSync(join(dir, 'd', 'locks'))).toHaveLength(1);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    await r.unlock();
    expect(readdirSync(join(dir, 'd', 'locks'))).toHaveLength(0);
    await r.forgetKeep({ last: 1 });
  }, 60_000);
});
