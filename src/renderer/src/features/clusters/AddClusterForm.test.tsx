// @vitest-environment happy-dom
/**
 * Adding clusters from the user's own kubeconfig, against the real main process (FAKE electron,
 * since the Electron binary cannot run here), a real embedded engine and a simulated cluster.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../../../../sim';
import { startTestDesktop, type TestDesktop } from '../../../../../test/helpers/desktop';
import { startClusters } from '../../../../../test/helpers/engine';
import { createIpcClient, createLocalKubeconfigClient, type PublicProvider } from '../../api';
import { AddClusterForm } from './AddClusterForm';

describe('adding clusters from my kubeconfig (desktop)', () => {
  let clusters: SimCluster[];
  let desktop: TestDesktop;
  let dir: string;

  beforeAll(async () => {
    clusters = await startClusters(1);
    dir = mkdtempSync(join(tmpdir(), 'kube-'));
    writeFileSync(join(dir, 'config'), clusters[0]!.kubeconfig);
    desktop = await startTestDesktop(undefined, [join(dir, 'config')]);
  });
  afterAll(async () => {
    cleanup();
    await desktop.stop();
    await clusters[0]!.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists my contexts and registers the chosen one, with no kubeconfig in the page', async () => {
    const added: PublicProvider[] = [];
    render(
      <AddClusterForm
        client={createIpcClient(desktop.bridge)}
        localKubeconfig={createLocalKubeconfigClient(desktop.bridge)}
        disabledReason={null}
        onAdded={(p) => added.push(p)}
      />,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Use my kubeconfig' }));
    expect((await screen.findByTestId('local-kubeconfig-paths')).textContent).toContain(
      join(dir, 'config'),
    );
    expect(screen.getByLabelText(/sim-1/)).toHaveProperty('checked', true);
    expect(screen.getByLabelText<HTMLTextAreaElement>(/paste the kubeconfig/).value).toBe('');
    fireEvent.click(screen.getByRole('button', { name: 'Add cluster' }));
    await waitFor(() => expect(added).toHaveLength(1), { timeout: 10_000 });
    expect(added[0]).toMatchObject({ name: 'sim-1' });
    expect(document.body.innerHTML).not.toContain('sim-1-token');
  });

  it('checks a pasted kubeconfig as soon as it is there, before Add is clicked', async () => {
    cleanup();
    render(
      <AddClusterForm
        client={createIpcClient(desktop.bridge)}
        localKubeconfig={createLocalKubeconfigClient(desktop.bridge)}
        disabledReason={null}
        onAdded={() => undefined}
      />,
    );
    const paste = screen.getByLabelText<HTMLTextAreaElement>(/paste the kubeconfig/);
    // http:// without insecure-skip-tls-verify: the client would refuse every request.
    const unusable = clusters[0]!.kubeconfig.replace('    insecure-skip-tls-verify: true\n', '');
    fireEvent.change(paste, { target: { value: unusable } });
    const problem = await screen.findByTestId('context-problem', {}, { timeout: 5_000 });
    expect(problem.textContent).toContain('insecure-skip-tls-verify');
    expect(screen.getByLabelText(/sim-1/)).toHaveProperty('disabled', true);
    expect(screen.queryByRole('button', { name: 'Add cluster' })).toBeNull();
    // A text the guard refuses as a whole is named at once too.
    fireEvent.change(paste, { target: { value: `${clusters[0]!.kubeconfig}x: !!binary YQ==\n` } });
    expect(
      (await screen.findAllByText(/YAML tags/, {}, { timeout: 5_000 })).length,
    ).toBeGreaterThan(0);
  });
});
