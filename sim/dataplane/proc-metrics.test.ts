/**
 * /proc readings of a process tree: a shell with a CPU-burning child (the CPU time grows with the
 * work and stays once the child exited and was reaped), memory close to what `ps` says for one
 * process, shared pages counted once, and parsing of the odd corners of `/proc/[pid]/stat`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../apiserver/testing';
import { parseProcStat, parseResident, processTree, processTreeMetrics } from './proc-metrics';

const started: ChildProcess[] = [];

afterEach(async () => {
  await Promise.all(
    started.splice(0).map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
});

/** `sh` whose child burns `ms` of CPU time, then exits; the shell then waits for a signal. */
function burner(ms: number): ChildProcess {
  const script = `node -e 'while(process.cpuUsage().user<${ms * 1000});'; exec sleep 60`;
  const child = spawn('/bin/sh', ['-c', script], {
    stdio: 'ignore',
    env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
  });
  started.push(child);
  return child;
}

describe('processTreeMetrics', () => {
  it(
    'counts the CPU of children, also after they exited and were reaped',
    { timeout: 30_000 },
    async () => {
      const sh = burner(700);
      const pid = sh.pid ?? 0;
      await waitFor(async () => (await processTree(pid)).length >= 2, 5000, 'the burning child');
      const during = await processTreeMetrics(pid);
      expect(during?.rssBytes).toBeGreaterThan(1024 * 1024);
      // The shell `exec`s sleep after the child is done: the child's time is in the shell's cutime.
      const after = await waitFor(
        async () => {
          const m = await processTreeMetrics(pid);
          return m && m.cpuSeconds >= 0.7 && (await processTree(pid)).length === 1 ? m : undefined;
        },
        20_000,
        'the child to finish 0.7 s of CPU and be reaped',
      );
      expect(after?.cpuSeconds).toBeGreaterThanOrEqual(during?.cpuSeconds ?? Infinity);
      expect(after?.cpuSeconds).toBeLessThan(5);
    },
  );

  it('reports the memory of one process within 50% of its RSS', async () => {
    const m = await processTreeMetrics(process.pid);
    const rss = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(process.pid)]).toString());
    const tree = await processTree(process.pid);
    const sum = tree.reduce(
      (n, p) =>
        n +
        Number(
          execFileSync('ps', ['-o', 'rss=', '-p', String(p.pid)])
            .toString()
            .trim() || 0,
        ),
      0,
    );
    expect(m?.rssBytes).toBeGreaterThan(rss * 1024 * 0.5);
    expect(m?.rssBytes).toBeLessThanOrEqual(sum * 1024 * 1.5);
  });

  it('answers undefined for a process that is gone', async () => {
    const child = spawn('/bin/true');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(await processTreeMetrics(child.pid ?? 0)).toBeUndefined();
  });
});

describe('parsing /proc', () => {
  it('reads stat lines whose command holds spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[4 - 3] = '77'; // ppid
    fields[14 - 3] = '250'; // utime
    fields[15 - 3] = '50'; // stime
    fields[16 - 3] = '100'; // cutime
    fields[17 - 3] = '0'; // cstime
    const s = parseProcStat(`123 (post gres: (x) idle) ${fields.join(' ')}`);
    expect(s).toEqual({
      pid: 123,
      ppid: 77,
      cpuSeconds: 3,
      childCpuSeconds: 1,
      startSeconds: 0.22,
    });
    expect(parseProcStat('garbage')).toBeUndefined();
  });

  it('splits resident memory into private and shared pages', () => {
    expect(
      parseResident(
        'Rss:  1000 kB\nPss:  300 kB\nPrivate_Clean:  100 kB\nPrivate_Dirty:  200 kB\n',
      ),
    ).toEqual({ private: 300 * 1024, shared: 700 * 1024 });
    expect(
      parseResident('VmRSS:\t 50 kB\nRssAnon:\t 10 kB\nRssFile:\t 30 kB\nRssShmem:\t 10 kB\n'),
    ).toEqual({
      private: 10 * 1024,
      shared: 40 * 1024,
    });
    expect(parseResident('nothing')).toBeUndefined();
  });
});
