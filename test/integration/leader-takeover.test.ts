import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisClient, RedisLeadership } from '../../engine/redis';
import { waitFor } from '../helpers/engine';
import { testRedisUrl } from '../helpers/redis';

const ROOT = resolve(import.meta.dirname, '../..');

const client = () =>
  createRedisClient(testRedisUrl(), { offlineQueue: false, maxRetriesPerRequest: 1 });

interface LeaderProcess {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<unknown>;
}

function startLeaderProcess(prefix: string, instanceId: string): LeaderProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/helpers/leader-process.ts', testRedisUrl(), prefix, instanceId],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines: Array<Record<string, unknown>> = [];
  let rest = '';
  child.stdout.on('data', (chunk: Buffer) => {
    rest += chunk.toString();
    const parts = rest.split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts)
      if (part.trim()) lines.push(JSON.parse(part) as Record<string, unknown>);
  });
  const exited = new Promise((done) => child.on('exit', done));
  return { child, lines, exited };
}

/**
 * Shared-mode takeover with the default lease, against the real Redis: a leader process that is
 * killed with SIGKILL is replaced in under 10 s; a paused one is replaced too and, resumed, its
 * fenced writes with the old token are refused; a graceful stop hands the lease over at once.
 */
describe('leader takeover', () => {
  const processes: LeaderProcess[] = [];
  const inProcess: RedisLeadership[] = [];

  afterEach(async () => {
    for (const leader of processes.splice(0)) {
      leader.child.kill('SIGCONT');
      leader.child.kill('SIGKILL');
      await leader.exited;
    }
    for (const leadership of inProcess.splice(0)) await leadership.dispose();
  });

  it('replaces a killed leader within 10 s, refuses a paused leader’s old token, and hands over at once on stop', async () => {
    const prefix = `takeover${Date.now()}`;
    const a = startLeaderProcess(prefix, 'proc-a');
    processes.push(a);
    await waitFor(
      () => a.lines.some((line) => line.role === 'leader'),
      'the first process to lead',
      20_000,
    );
    const follower = new RedisLeadership({ redis: client(), prefix, instanceId: 'in-test-b' });
    inProcess.push(follower);
    await follower.start();
    expect(follower.role).toBe('follower');

    // Paused past its lease: the follower takes over, and the resumed process's writes are fenced.
    const oldToken = a.lines.find((line) => line.role === 'leader')?.token as number;
    a.child.kill('SIGSTOP');
    const pausedAt = Date.now();
    await waitFor(() => follower.role === 'leader', 'the follower to take over', 15_000);
    const pauseTakeoverMs = Date.now() - pausedAt;
    expect(pauseTakeoverMs).toBeLessThan(10_000);
    expect(follower.token).toBeGreaterThan(oldToken);
    const beforeResume = a.lines.length;
    a.child.kill('SIGCONT');
    await waitFor(
      () =>
        a.lines
          .slice(beforeResume)
          .some((line) => line.role === 'follower' || line.fence === 'refused'),
      'the resumed process to step down',
      10_000,
    );
    expect(a.lines.slice(beforeResume).filter((line) => line.fence === 'ok')).toEqual([]);
    await expect(follower.fence()).resolves.toBeUndefined();

    // A graceful stop releases the lease: the waiting process leads within about a second.
    const stoppedAt = Date.now();
    await follower.dispose();
    await waitFor(
      () => a.lines.slice(beforeResume).some((line) => line.role === 'leader'),
      'the process to lead after the graceful stop',
      5_000,
    );
    expect(Date.now() - stoppedAt).toBeLessThan(2_500);

    // kill -9: nothing is released; the next follower takes over when the lease runs out.
    const c = new RedisLeadership({ redis: client(), prefix, instanceId: 'in-test-c' });
    inProcess.push(c);
    await c.start();
    expect(c.role).toBe('follower');
    a.child.kill('SIGKILL');
    await a.exited;
    const killedAt = Date.now();
    await waitFor(() => c.role === 'leader', 'a new leader after kill -9', 15_000);
    const killTakeoverMs = Date.now() - killedAt;
    console.log(JSON.stringify({ pauseTakeoverMs, killTakeoverMs }));
    expect(killTakeoverMs).toBeLessThan(10_000);
    await expect(c.fence()).resolves.toBeUndefined();
  }, 90_000);
});
