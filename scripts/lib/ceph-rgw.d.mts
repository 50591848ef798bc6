// Types of ceph-rgw.mjs for the TypeScript tests.
export interface CephRgwOptions {
  dataDir?: string;
  monPort?: number;
  rgwPort?: number;
  osdPorts?: [number, number];
  portRange?: [number, number];
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
  memstoreBytes?: number;
  lcDebugInterval?: number;
  timeoutMs?: number;
}

export interface CephRgw {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  dataDir: string;
  ports: { mon: number; rgw: number; osd: [number, number] };
  pids: number[];
  startMs: number;
  /** Kills every daemon (SIGKILL to its process group), waits until they are gone, removes dataDir. */
  stop(): void;
}

export function startCephRgw(options?: CephRgwOptions): Promise<CephRgw>;
export function signedListBuckets(
  endpoint: string,
  region: string,
  accessKeyId: string,
  secretAccessKey: string,
): Promise<number | undefined>;
export const S3_TEST_FILES: RegExp;
export function runNeedsS3(
  filters: readonly string[],
  env: Record<string, string | undefined>,
): boolean;
export function testS3Env(s3: CephRgw): Record<string, string>;
