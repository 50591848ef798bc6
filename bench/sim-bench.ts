/**
 * Benchmark of the simulated API server at scale: N databases (Postgres, with a pod and a secret
 * each) created through `state`, then a paged HTTP list of all databases (limit=500) against an
 * unpaged baseline, the latency of one update reaching 20 HTTP watchers, and memory.
 * Prints one JSON object; exits 0 even when a target is missed (the `targets` section says so).
 *
 *   npm run bench:sim -- [--databases 10000] [--crds DIR]   (CRDs found as sim/crds.ts says)
 */
import { get } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createKubeApiServer } from '../sim/apiserver/index';
import { requireCrdsDir } from '../sim/crds';

const WATCHERS = 20;
const UPDATES = 200;
const PAGE = 500;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function argText(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function getJson(url: string): Promise<{ metadata: { continue?: string }; items: unknown[] }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve(
          JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            metadata: { continue?: string };
            items: unknown[];
          },
        ),
      );
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function pagedList(url: string): Promise<{ ms: number; pages: number; items: number }> {
  const t0 = performance.now();
  let token: string | undefined;
  let pages = 0;
  let items = 0;
  do {
    const page = await getJson(
      `${url}/apis/kubedb.com/v1/postgreses?limit=${PAGE}${token ? `&continue=${token}` : ''}`,
    );
    items += page.items.length;
    pages++;
    token = page.metadata.continue;
  } while (token);
  return { ms: performance.now() - t0, pages, items };
}

/**
 * The 20 watchers run in a worker thread (its own V8 heap and event loop, like separate client
 * processes), so their parsing and garbage do not count as server latency. Each reports, per bench
 * sequence number, the absolute time at which the last of them received it.
 */
const WATCHER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { get } = require('node:http');
const { performance } = require('node:perf_hooks');
const left = new Map();
let open = 0;
const reqs = [];
for (let w = 0; w < workerData.count; w++) {
  const req = get(workerData.url, (res) => {
    open++;
    if (open === workerData.count) parentPort.postMessage({ ready: true });
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /"bench\\/seq":"(\\d+)"/.exec(line);
        if (!m) continue;
        const seq = Number(m[1]);
        const n = (left.get(seq) ?? workerData.count) - 1;
        if (n === 0) {
          left.delete(seq);
          parentPort.postMessage({ seq, at: performance.timeOrigin + performance.now() });
        } else left.set(seq, n);
      }
    });
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  reqs.push(req);
}
parentPort.on('message', () => { for (const r of reqs) r.destroy(); process.exit(0); });
`;

/** Starts the watcher worker; resolves once every watch is open. */
function startWatchers(
  url: string,
  count: number,
  onArrival: (seq: number, at: number) => void,
): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WATCHER_SOURCE, { eval: true, workerData: { url, count } });
    worker.on('message', (m: { ready?: boolean; seq?: number; at?: number }) => {
      if (m.ready) resolve(worker);
      else if (m.seq !== undefined && m.at !== undefined) onArrival(m.seq, m.at);
    });
    worker.on('error', reject);
  });
}

async function main(): Promise<void> {
  const databases = arg('databases', 10_000);
  const namespaces = Math.max(1, Math.ceil(databases / 100));
  const crdsDir = requireCrdsDir({ flag: argText('crds'), env: process.env });
  const server = createKubeApiServer({ crdsDir, watchHistory: 1000 });
  const { state } = server;
  const tLoad = performance.now();
  for (let n = 0; n < namespaces; n++)
    state.create(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } },
      { skipAdmission: true },
    );
  for (let i = 0; i < databases; i++) {
    const ns = `ns-${i % namespaces}`;
    const name = `pg-${i}`;
    const db = state.create(
      {
        apiVersion: 'kubedb.com/v1',
        kind: 'Postgres',
        metadata: { name, namespace: ns, labels: { team: `t${i % 10}` } },
        spec: {
          version: '17.9',
          replicas: 1,
          storageType: 'Durable',
          storage: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          deletionPolicy: 'Delete',
        },
      },
      { skipAdmission: true },
    );
    const ref = {
      apiVersion: 'kubedb.com/v1',
      kind: 'Postgres',
      name,
      uid: db.metadata.uid ?? '',
      controller: true,
    };
    state.create(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `${name}-auth`, namespace: ns, ownerReferences: [ref] },
        data: { username: 'cG9zdGdyZXM=', password: 'c2VjcmV0' },
      },
      { skipAdmission: true },
    );
    state.create(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${name}-0`,
          namespace: ns,
          labels: { 'app.kubernetes.io/instance': name },
          ownerReferences: [ref],
        },
        spec: {
          containers: [
            {
              name: 'postgres',
              image: 'postgres:17.9',
              resources: { requests: { cpu: '500m', memory: '1Gi' } },
            },
          ],
        },
        status: { phase: 'Running' },
      },
      { skipAdmission: true },
    );
  }
  const loadMs = performance.now() - tLoad;
  const url = await server.listen(0);

  await pagedList(url); // warm-up: JIT and the sorted-order cache
  const paged = await pagedList(url);
  const tUnpaged = performance.now();
  const unpaged = await getJson(`${url}/apis/kubedb.com/v1/postgreses`);
  const unpagedMs = performance.now() - tUnpaged;

  const waiting = new Map<number, (at: number) => void>();
  const rv = (await getJson(`${url}/apis/kubedb.com/v1/postgreses?limit=1`)) as unknown as {
    metadata: { resourceVersion: string };
  };
  const worker = await startWatchers(
    `${url}/apis/kubedb.com/v1/postgreses?watch=1&resourceVersion=${rv.metadata.resourceVersion}`,
    WATCHERS,
    (seq, at) => waiting.get(seq)?.(at),
  );
  const latencies: number[] = [];
  // The first WARMUP updates let the JIT settle; they are not measured.
  const WARMUP = 20;
  for (let seq = 1; seq <= UPDATES + WARMUP; seq++) {
    const arrived = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`update ${seq} did not reach every watcher in 5 s`)),
        5000,
      );
      waiting.set(seq, (at) => (clearTimeout(timer), resolve(at)));
    });
    const i = seq % databases;
    const t0 = performance.timeOrigin + performance.now();
    state.patch(
      'kubedb.com/v1',
      'Postgres',
      `ns-${i % namespaces}`,
      `pg-${i}`,
      { metadata: { annotations: { 'bench/seq': String(seq) } } },
      { skipAdmission: true },
    );
    const at = await arrived;
    if (seq > WARMUP) latencies.push(at - t0);
    waiting.delete(seq);
  }
  worker.postMessage('stop');
  await new Promise((resolve) => worker.once('exit', resolve));
  latencies.sort((a, b) => a - b);

  global.gc?.();
  const mem = process.memoryUsage();
  const round = (n: number) => Math.round(n * 100) / 100;
  const result = {
    databases,
    objects: databases * 3 + namespaces,
    loadMs: round(loadMs),
    list: {
      pagedMs: round(paged.ms),
      pages: paged.pages,
      items: paged.items,
      pageSize: PAGE,
      baselineUnpagedMs: round(unpagedMs),
      baselineItems: unpaged.items.length,
    },
    watch: {
      watchers: WATCHERS,
      updates: UPDATES,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(latencies[latencies.length - 1] ?? NaN),
    },
    memory: { rssMiB: round(mem.rss / 2 ** 20), heapUsedMiB: round(mem.heapUsed / 2 ** 20) },
    targets: {
      pagedListUnder1000Ms: paged.ms < 1000,
      watchP99Under20Ms: percentile(latencies, 99) < 20,
      rssUnder1GiB: mem.rss < 2 ** 30,
    },
  };
  await server.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  process.stdout.write(
    `${JSON.stringify({ error: e instanceof Error ? e.message : String(e) })}\n`,
  );
  process.exitCode = 0;
});
