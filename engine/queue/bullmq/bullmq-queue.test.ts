import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../base/errors';
import { testRedisUrl } from '../../../test/helpers/redis';
import { Recorder, SettledLog, waitFor } from '../conformance/harness';
import { runQueueConformance } from '../conformance/queue-conformance';
import { createRedisConnections, type RedisConnections } from '../../redis';
import { openBullmqOperationQueue } from './bullmq-queue';

const LEASE_MS = 1000;
/** One prefix per test run, so that runs sharing a Redis never see each other's keys. */
const runPrefix = `test-oq-${randomUUID().slice(0, 8)}`;
let admin: Redis;
let connections: RedisConnections;
/** Where a queue named `prefix` lives on the test Redis. */
const at = (prefix: string) => ({
  connect: connections.open.bind(connections),
  prefix,
  name: 'operations',
});

beforeAll(() => {
  admin = new Redis(testRedisUrl(), { maxRetriesPerRequest: 2 });
  connections = createRedisConnections({ url: testRedisUrl(), prefix: runPrefix });
});

afterAll(async () => {
  // Leave the shared Redis as we found it.
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${runPrefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await admin.del(...keys);
  } while (cursor !== '0');
  await admin.quit();
  await connections.dispose();
});

runQueueConformance(
  'bullmq',
  (name) =>
    openBullmqOperationQueue(at(`${runPrefix}-${name}`), { leaseMs: LEASE_MS, stopTimeoutMs: 500 }),
  { leaseMs: LEASE_MS },
);

describe('bullmq queue', () => {
  it('fails to open with UnavailableError when Redis cannot be reached', async () => {
    const unreachable = createRedisConnections({ url: 'redis://127.0.0.1:1', prefix: runPrefix });
    const error = await openBullmqOperationQueue({
      connect: unreachable.open.bind(unreachable),
      prefix: runPrefix,
      name: 'none',
    }).catch((caught: unknown) => caught);
    await unreachable.dispose();
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).not.toMatch(/127\.0\.0\.1/);
  });

  it('re-adds a key holder whose BullMQ job went missing (a crash between two Redis calls)', async () => {
    const location = at(`${runPrefix}-repair`);
    const queue = await openBullmqOperationQueue(location, { leaseMs: 300 });
    try {
      await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
      await queue.enqueue({ operationId: 'op-2', key: 'db-1' });
      // Simulate the lost BullMQ add: the job is recorded as the key's holder, but BullMQ forgot it.
      await admin.del(`${location.prefix}:${location.name}:op-1`);
      await admin.lrem(`${location.prefix}:${location.name}:wait`, 0, 'op-1');
      expect(await queue.counts()).toMatchObject({ queued: 1 });
      const recorder = new Recorder(() => ({ outcome: 'done' }));
      const settled = new SettledLog();
      settled.watch(queue, 'a');
      queue.start(recorder.handler('a'));
      await settled.waitFor(['op-1', 'op-2']);
      expect(recorder.order()).toEqual(['op-1', 'op-2']);
    } finally {
      await queue.close();
    }
  });

  it('uses deterministic BullMQ job ids equal to the operation id', async () => {
    const location = at(`${runPrefix}-ids`);
    const queue = await openBullmqOperationQueue(location, { leaseMs: 300 });
    try {
      await queue.enqueue({ operationId: 'op-42', key: 'db-1' });
      await waitFor(
        'the BullMQ job',
        async () => (await admin.exists(`${location.prefix}:${location.name}:op-42`)) === 1,
      );
    } finally {
      await queue.close();
    }
  });
});
