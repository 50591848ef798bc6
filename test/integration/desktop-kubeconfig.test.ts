/**
 * The user's own kubeconfig on the desktop (main with the FAKE electron, since the Electron binary
 * cannot run here; a real embedded engine; simulated clusters over HTTP): main reads the files and
 * hands them to the engine, and the page sees contexts and clusters, never the credentials.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim';
import { startTestDesktop, type TestDesktop } from '../helpers/desktop';
import { startClusters } from '../helpers/engine';

describe("the desktop's own kubeconfig", () => {
  let clusters: SimCluster[];
  let desktop: TestDesktop;
  let dir: string;

  beforeAll(async () => {
    clusters = await startClusters(2);
    dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    const first = join(dir, 'config');
    const second = join(dir, 'other.yaml');
    writeFileSync(first, clusters[0]!.kubeconfig);
    writeFileSync(second, clusters[1]!.kubeconfig);
    // A context whose cluster and user live in another file: kubectl merges the files first.
    const cross = join(dir, 'cross.yaml');
    writeFileSync(
      cross,
      'contexts:\n- name: cross\n  context: {cluster: sim-2, user: sim-2-admin}\n',
    );
    // As $KUBECONFIG may: a missing file among them is skipped.
    desktop = await startTestDesktop(undefined, [cross, first, join(dir, 'missing'), second]);
  });
  afterAll(async () => {
    await desktop.stop();
    await Promise.all(clusters.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the contexts of every file, without their credentials', async () => {
    const answer = await desktop.bridge.localKubeconfig({ action: 'contexts' });
    expect(answer.paths).toEqual([
      join(dir, 'cross.yaml'),
      join(dir, 'config'),
      join(dir, 'other.yaml'),
    ]);
    expect(answer.responses).toHaveLength(1);
    expect(answer.responses[0]).toMatchObject({
      status: 200,
      body: {
        items: [
          { name: 'cross', current: false, cluster: 'sim-2' },
          { name: 'sim-1', current: true },
          { name: 'sim-2' },
        ],
      },
    });
    expect(JSON.stringify(answer)).not.toContain('-token');
  });

  it('registers a chosen context as a cluster, the kubeconfig going from main to the engine', async () => {
    const answer = await desktop.bridge.localKubeconfig({
      action: 'add',
      contexts: [{ context: 'sim-2', name: 'laptop-sim', region: 'eu-west' }],
    });
    expect(answer.responses).toEqual([
      expect.objectContaining({
        status: 201,
        body: expect.objectContaining({ name: 'laptop-sim' }),
      }),
    ]);
    expect(JSON.stringify(answer)).not.toContain('-token');
    const listed = await desktop.bridge.request({ method: 'GET', url: '/api/v1/providers' });
    expect(listed.body).toMatchObject({ items: [{ name: 'laptop-sim', region: 'eu-west' }] });
  });

  it('names the context that is not in the kubeconfig, and refuses a malformed request', async () => {
    const unknown = await desktop.bridge.localKubeconfig({
      action: 'add',
      contexts: [{ context: 'nowhere', name: 'x' }],
    });
    expect(unknown.responses[0]).toMatchObject({
      status: 400,
      body: { error: { details: [{ path: 'context', rule: 'exists' }] } },
    });
    const malformed = await desktop.bridge.localKubeconfig({
      action: 'add',
      contexts: [],
    });
    expect(malformed.responses[0]).toMatchObject({ status: 400 });
  });

  it('registers a context whose cluster and user come from other files of $KUBECONFIG', async () => {
    const answer = await desktop.bridge.localKubeconfig({
      action: 'add',
      contexts: [{ context: 'cross', name: 'cross-file' }],
    });
    expect(answer.responses[0]).toMatchObject({ status: 201, body: { name: 'cross-file' } });
  });
});
