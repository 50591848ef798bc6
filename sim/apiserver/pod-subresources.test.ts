import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKubectl, writeKubeconfig } from '../../test/helpers/kubectl';
import { call, startServer, type RunningServer } from './testing';

let running: RunningServer;
let dir: string;
let kubeconfig: string;
const kubectl = (args: string[]) => runKubectl(kubeconfig, args);

beforeAll(async () => {
  running = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'sim-podsub-'));
  kubeconfig = writeKubeconfig(running.url, dir);
  running.server.state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
  running.server.state.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'pg-0', namespace: 'demo' },
    spec: {
      containers: [
        { name: 'postgres', image: 'postgres:16' },
        { name: 'pg-coordinator', image: 'c' },
      ],
    },
  });
});

afterAll(async () => {
  await running?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pods/log and pods/exec', () => {
  it('kubectl logs prints the simulated container log', async () => {
    const r = await kubectl(['logs', 'pg-0', '-n', 'demo', '-c', 'postgres', '--tail', '1']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('postgres: ready to accept connections\n');
  });

  it('asks for a container when the pod has several, and 404s an unknown pod', async () => {
    const many = await call(`${running.url}/api/v1/namespaces/demo/pods/pg-0/log`, 'GET');
    expect(many.status).toBe(400);
    expect(String(many.body.message)).toMatch(/choose one of: \[postgres pg-coordinator\]/);
    const missing = await call(`${running.url}/api/v1/namespaces/demo/pods/nope/log`, 'GET');
    expect(missing.status).toBe(404);
  });

  it('exec without a protocol upgrade answers 400 Upgrade request required', async () => {
    const r = await call(
      `${running.url}/api/v1/namespaces/demo/pods/pg-0/exec?container=postgres&command=ls`,
      'POST',
    );
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('Upgrade request required');
  });
});
