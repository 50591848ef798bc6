import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../sim/index';

const ROOT = resolve(import.meta.dirname, '../..');

function cli(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'sim/cli.ts', ...args], {
      cwd: ROOT,
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('exit', (code) => done({ code, stdout }));
  });
}

async function timedGet(url: string): Promise<number> {
  const started = performance.now();
  await fetch(`${url}/api/v1/namespaces`);
  return performance.now() - started;
}

/** Faults are controllable at run time from the command line, not only from code. */
describe('the simulator command line', () => {
  let cluster: SimCluster;

  beforeAll(async () => {
    cluster = await startSimCluster({ name: 'cli', speed: 50 });
  });
  afterAll(() => cluster?.stop());

  it('sets and resets API faults of a running cluster', async () => {
    const set = await cli(['fault', cluster.url, '{"latencyMs":300}']);
    expect(set.code).toBe(0);
    expect(await timedGet(cluster.url)).toBeGreaterThanOrEqual(290);
    const reset = await cli(['fault', cluster.url, '{"reset":true}']);
    expect(reset.code).toBe(0);
    expect(await timedGet(cluster.url)).toBeLessThan(290);
  });

  it('calls operator faults by action', async () => {
    const refused = await cli(['fault', cluster.url, 'crash-pod', '{}']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('namespace');
  });

  it('starts clusters with faults given as flags', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'sim/cli.ts', '--port', '0', '--latency', '250'],
      { cwd: ROOT },
    );
    try {
      const url = await new Promise<string>((done, fail) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /sim ready: \S+ (\S+)/.exec(out);
          if (match) done(match[1]!);
        });
        child.on('exit', (code) => fail(new Error(`exited ${code}`)));
      });
      expect(await timedGet(url)).toBeGreaterThanOrEqual(240);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
