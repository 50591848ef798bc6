/**
 * The Ceph RADOS Gateway of the backup suite (scripts/lib/ceph-rgw.mjs), started once per test
 * file, plus a TCP relay in front of it that a test can cut ("S3 down mid-backup") and restore.
 */
import { spawnSync } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface CephS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  startMs: number;
  stop: () => void;
}

/** Starts a private Ceph RGW (mon + memstore OSD + radosgw); tests use test/helpers/s3.ts. */
export async function startCephS3(): Promise<CephS3> {
  const url = new URL('../../scripts/lib/ceph-rgw.mjs', import.meta.url).href;
  const mod = (await import(url)) as {
    startCephRgw: (options: { memstoreBytes?: number }) => Promise<CephS3>;
  };
  return mod.startCephRgw({ memstoreBytes: 2 * 2 ** 30 });
}

/** Creates a bucket (restic's S3 backend makes a missing bucket on `init`); for the bench. */
export function createBucket(s3: CephS3, bucket: string): void {
  const r = spawnSync('restic', ['--no-cache', 'init'], {
    env: {
      PATH: '/usr/bin:/bin',
      RESTIC_REPOSITORY: `s3:${s3.endpoint}/${bucket}/.bucket-made-by-restic`,
      RESTIC_PASSWORD: 'bucket-maker',
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`creating bucket ${bucket} failed: ${r.stderr}`);
}

/** A relay 127.0.0.1:port -> the RGW; `cut()` closes every connection and refuses new ones. */
export class S3Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Bytes relayed towards S3 since the last `open`. */
  uploaded = 0;
  port = 0;

  constructor(private readonly target: string) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    const { hostname, port } = new URL(this.target);
    this.uploaded = 0;
    const server = createServer((client) => {
      const upstream = connect(Number(port), hostname);
      this.sockets.add(client).add(upstream);
      client.on('data', (chunk: Buffer) => {
        this.uploaded += chunk.length;
      });
      client.pipe(upstream).pipe(client);
      const close = (): void => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    if (address && typeof address === 'object') this.port = address.port;
    this.server = server;
  }

  /** Closes the port: in-flight requests break, new ones are refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
