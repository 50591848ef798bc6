import { describe, expect, it } from 'vitest';
import { OPERATION_ID_LABEL, type KubeObject } from '../kubedb/types';
import { adoptableSession, claimSessionName } from './backup-executors';

const build = (unix: number): KubeObject => ({
  apiVersion: 'core.kubestash.com/v1alpha1',
  kind: 'BackupSession',
  metadata: { name: `bc-scheduled-${unix}`, labels: { [OPERATION_ID_LABEL]: 'op-1' } },
});
const session = (name: string, operation?: string): KubeObject => ({
  apiVersion: 'core.kubestash.com/v1alpha1',
  kind: 'BackupSession',
  metadata: { name, labels: operation ? { [OPERATION_ID_LABEL]: operation } : {} },
});

function cluster(...existing: KubeObject[]) {
  const byName = new Map(existing.map((o) => [o.metadata.name, o]));
  return async (name: string) => byName.get(name) ?? null;
}

describe('claimSessionName', () => {
  it('takes the first name when it is free', async () => {
    const claimed = await claimSessionName(build, 100.7, 'op-1', cluster());
    expect(claimed).toMatchObject({
      existing: false,
      object: { metadata: { name: 'bc-scheduled-100' } },
    });
  });

  it('steps past a scheduled session of the same second instead of adopting it', async () => {
    const claimed = await claimSessionName(
      build,
      100,
      'op-1',
      cluster(session('bc-scheduled-100')),
    );
    expect(claimed.existing).toBe(false);
    expect(claimed.object.metadata.name).toBe('bc-scheduled-101');
  });

  it('finds the session a redelivered attempt created, past a stranger', async () => {
    const claimed = await claimSessionName(
      build,
      100,
      'op-1',
      cluster(session('bc-scheduled-100', 'op-other'), session('bc-scheduled-101', 'op-1')),
    );
    expect(claimed).toMatchObject({
      existing: true,
      object: { metadata: { name: 'bc-scheduled-101' } },
    });
  });

  it('gives up with a conflict when every name it may try is taken', async () => {
    const taken = Array.from({ length: 10 }, (_, i) => session(`bc-scheduled-${100 + i}`));
    await expect(claimSessionName(build, 100, 'op-1', cluster(...taken))).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });
});

describe('adoptableSession', () => {
  const at = (name: string, phase: string | undefined, created: string): KubeObject => ({
    ...session(name, 'op-1'),
    metadata: { ...session(name, 'op-1').metadata, creationTimestamp: created },
    ...(phase ? { status: { phase } } : {}),
  });

  it('carries on with the session a crashed attempt left running, not a failed one', () => {
    const sessions = [
      at('bc-scheduled-100', 'Failed', '2026-01-01T00:00:00Z'),
      at('bc-scheduled-110', 'Running', '2026-01-01T00:01:00Z'),
    ];
    expect(adoptableSession(sessions)?.metadata.name).toBe('bc-scheduled-110');
    expect(
      adoptableSession([at('bc-scheduled-100', undefined, '2026-01-01T00:00:00Z')]),
    ).toBeDefined();
  });

  it('adopts a succeeded session, and none when every session failed or was skipped', () => {
    expect(
      adoptableSession([at('bc-scheduled-100', 'Succeeded', '2026-01-01T00:00:00Z')])?.metadata
        .name,
    ).toBe('bc-scheduled-100');
    expect(
      adoptableSession([
        at('bc-scheduled-100', 'Failed', '2026-01-01T00:00:00Z'),
        at('bc-scheduled-110', 'Skipped', '2026-01-01T00:01:00Z'),
      ]),
    ).toBeUndefined();
  });
});
