import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/index';
import { startClusters, waitFor } from '../helpers/engine';
import { startEngineProcess, type EngineProcess } from '../helpers/engine-process';
import { testRedisUrl } from '../helpers/redis';

async function role(engine: EngineProcess): Promise<string | null> {
  try {
    const response = await fetch(`${engine.url}/api/v1/health/ready`, {
      signal: AbortSignal.timeout(2_000),
    });
    return ((await response.json()) as { role: string }).role;
  } catch {
    return null;
  }
}

/**
 * Shared mode: two engine processes and one Redis. One leads; a leader paused past its lease loses
 * it and, resumed, writes nothing; a killed leader is replaced within 20 seconds.
 */
describe('leader election over Redis', () => {
  let cluster: SimCluster;
  let dataDir: string;
  const engines: EngineProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 50)) as [SimCluster];
    dataDir = mkdtempSync(join(tmpdir(), 'dbaas-leader-'));
    env = {
      REDIS_URL: testRedisUrl(),
      DBAAS_REDIS_PREFIX: `leader${Date.now()}`,
      DBAAS_QUEUE_LEASE_MS: '3000',
    };
    engines.push(
      await startEngineProcess({ dataDir, env: { ...env, DBAAS_INSTANCE_ID: 'engine-a' } }),
    );
    await waitFor(async () => (await role(engines[0]!)) === 'leader', 'engine-a to lead', 20_000);
    engines.push(
      await startEngineProcess({ dataDir, env: { ...env, DBAAS_INSTANCE_ID: 'engine-b' } }),
    );
  }, 90_000);

  afterAll(async () => {
    for (const engine of engines) {
      engine.signal('SIGCONT');
      engine.signal('SIGKILL');
    }
    await Promise.all(engines.map((e) => e.exited));
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('elects one leader; a paused leader loses the lease and writes nothing; a killed one is replaced within 20 s', async () => {
    const [a, b] = engines as [EngineProcess, EngineProcess];
    expect(await role(a)).toBe('leader');
    expect(await role(b)).toBe('follower');

    // Pause the leader past its lease (6 s by default): the follower takes over.
    a.signal('SIGSTOP');
    const pausedAt = Date.now();
    await waitFor(async () => (await role(b)) === 'leader', 'engine-b to take over', 25_000);
    expect(Date.now() - pausedAt).toBeLessThan(25_000);
    const outputBeforeResume = a.output.join('').length;
    a.signal('SIGCONT');
    await waitFor(
      async () => (await role(a)) === 'follower',
      'the resumed engine-a to follow',
      10_000,
    );
    // It stepped down (its log says so; the pipe may deliver that line a moment after the role
    // answers) without starting its loops again, so nothing it wrote got past the fence.
    const afterResume = await waitFor(
      () => {
        const text = a.output.join('').slice(outputBeforeResume);
        return /"role":"follower"/.test(text) ? text : null;
      },
      'the resumed engine-a to log that it follows',
      10_000,
    );
    expect(afterResume).not.toContain('loops starting');

    // Kill the leader: the other leads within 20 s.
    b.signal('SIGKILL');
    await b.exited;
    const killedAt = Date.now();
    await waitFor(async () => (await role(a)) === 'leader', 'engine-a to lead again', 20_000);
    expect(Date.now() - killedAt).toBeLessThan(20_000);
  }, 120_000);
});
