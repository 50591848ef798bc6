/**
 * `npm run demo`'s own program (scripts/demo.ts) as a user meets it: what it prints, the sandbox
 * kubeconfig it writes, the generated admin password, and its real data (the same checks CI's
 * scripts/demo-smoke.mjs runs, from scripts/lib/demo-checks.mjs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDemoData } from '../../scripts/lib/demo-checks.mjs';
import { crdsDirForTests } from '../../sim/apiserver/testing';
import { runKubectl } from '../helpers/kubectl';

const ROOT = resolve(import.meta.dirname, '../..');

let child: ChildProcess;
let exited: Promise<number | null>;
let dataDir: string;
let url: string;
const output: string[] = [];
const lines = (): string[] => output.join('').split('\n');

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dbaas-demo-test-'));
  const env: NodeJS.ProcessEnv = { ...process.env, KUBEDB_CRDS_DIR: crdsDirForTests() };
  delete env.DBAAS_ADMIN_PASSWORD;
  child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/demo.ts', '--port', '0', '--data-dir', dataDir],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  exited = new Promise((done) => child.on('exit', (code) => done(code)));
  url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the demo did not start: ${output.join('').slice(-2000)}`)),
      90_000,
    );
    const onData = (chunk: Buffer): void => {
      output.push(chunk.toString());
      const match = /engine ready on (http:\/\/\S+)/.exec(output.join(''));
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited with ${code}: ${output.join('').slice(-2000)}`));
    });
  });
}, 120_000);

afterAll(async () => {
  // The whole process group, so that nothing the demo started survives it.
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

describe('npm run demo', () => {
  it('logs the generated admin password once, as a JSON log field marked secretOnce', async () => {
    const marked = lines()
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.secretOnce === true);
    expect(marked).toHaveLength(1);
    const entry = marked[0]!;
    expect(entry).toMatchObject({ level: 30, username: 'admin' });
    expect(typeof entry.time).toBe('string');
    const password = entry.password as string;
    expect(password.length).toBeGreaterThanOrEqual(12);
    // No other line carries it, and no plain line is mixed into the log for it.
    expect(lines().filter((line) => line.includes(password))).toHaveLength(1);
    expect(lines().some((line) => /^first start|keep it now/.test(line))).toBe(false);

    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
  });

  it('writes a kubeconfig for the sandbox and prints the kubectl line that uses it', async () => {
    const line = lines().find((l) => l.trim().startsWith('kubectl --kubeconfig '));
    expect(line).toBeDefined();
    const path = /--kubeconfig (\S+)/.exec(line!)![1]!;
    expect(path).toBe(join(dataDir, 'sandbox.kubeconfig'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // The engine applies its sample "orders" Postgres to the sandbox shortly after start.
    const deadline = Date.now() + 30_000;
    let result = await runKubectl(path, ['get', 'postgres', '-n', 'acme-shop', '-o', 'name']);
    while (!result.stdout.includes('/orders') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      result = await runKubectl(path, ['get', 'postgres', '-n', 'acme-shop', '-o', 'name']);
    }
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^postgres\.kubedb\.com\/orders\S*$/m);
    const printed = line!.trim().split(/\s+/).slice(3);
    const asPrinted = await runKubectl(path, printed);
    expect(asPrinted.code).toBe(0);
  });

  it('holds 250 rows in orders and ledger.entries, and a backup storage with the orders policy', async () => {
    // The packages are part of what npm test installs, so here every part is required.
    const results = await checkDemoData({
      output: output.join(''),
      url,
      kubeconfig: join(dataDir, 'sandbox.kubeconfig'),
      cacheDir: join(dataDir, 'kube-cache'),
      realData: true,
      timeoutMs: 150_000,
    });
    expect(results.map((r) => r.what)).toHaveLength(3);
    for (const result of results) expect(result.ok, result.what).toBe(true);
  }, 180_000);
});
