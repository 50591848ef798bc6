/**
 * Simulated clusters in a child process (sim/cli.ts), so that the simulator's own work does not
 * count against the engine's event loop, heap or latency in the same process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { requireCrdsDir } from '../../sim/crds';

export interface SimProcess {
  clusters: { name: string; url: string }[];
  kubeconfig: string;
  stop(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, '../..');

export async function startSimProcess(options: {
  clusters: number;
  speed: number;
  kubeconfigOut: string;
}): Promise<SimProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'sim/cli.ts',
      '--clusters',
      String(options.clusters),
      '--port',
      '0',
      '--speed',
      String(options.speed),
      '--kubeconfig-out',
      options.kubeconfigOut,
      '--crds',
      requireCrdsDir({ env: process.env }),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const clusters: { name: string; url: string }[] = [];
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error('the simulator did not start')), 120_000);
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (const match of buffer.matchAll(/sim ready: (\S+) (\S+)/g)) {
        if (!clusters.some((c) => c.name === match[1]))
          clusters.push({ name: match[1]!, url: match[2]! });
      }
      if (clusters.length === options.clusters) {
        clearTimeout(timer);
        done();
      }
    });
    child.on('exit', (code) => fail(new Error(`the simulator exited with ${code}`)));
  });
  // The kubeconfig is written once every cluster listens.
  const deadline = Date.now() + 10_000;
  let kubeconfig = '';
  while (Date.now() < deadline) {
    try {
      kubeconfig = readFileSync(options.kubeconfigOut, 'utf8');
      if (clusters.every((c) => kubeconfig.includes(c.url))) break;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    clusters,
    kubeconfig,
    stop: () =>
      new Promise<void>((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Calls the simulator's operator fault endpoint. */
export async function simFault(
  url: string,
  action: string,
  body: Record<string, string>,
): Promise<void> {
  const response = await fetch(`${url}/_sim/operator/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`${action} failed: ${response.status} ${await response.text()}`);
}
