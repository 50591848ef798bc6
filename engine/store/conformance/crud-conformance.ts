import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../base/errors';
import { DuplicateError, StaleRevisionError } from '../errors';
import type { Repository, Store } from '../index';
import type { StoredRecord } from '../records';
import type { Fixtures } from './fixtures';
import type { ConformanceContext } from './store-conformance';

interface CrudCase<T extends StoredRecord> {
  name: string;
  repo: (store: Store) => Repository<T, never>;
  make: (fx: Fixtures) => T;
  /** A change that touches no unique field. */
  change: (record: T) => T;
}

const crudCase = <T extends StoredRecord>(spec: CrudCase<T>): CrudCase<StoredRecord> =>
  spec as unknown as CrudCase<StoredRecord>;

const CASES = [
  crudCase({
    name: 'databases',
    repo: (s) => s.databases,
    make: (fx) => fx.database(),
    // The drift history is kept with the database, so every adapter stores it whole.
    change: (r) => ({
      ...r,
      replicas: 5,
      labels: { 'dots.in/key': 'v' },
      driftHistory: [
        {
          path: 'resources.cpu',
          desired: '500m',
          live: '900m',
          firstSeenAt: '2026-01-01T00:00:00.000Z',
          resolvedAt: '2026-01-01T00:05:00.000Z',
          resolution: 'repaired' as const,
          actor: 'system',
          operationId: 'op-1',
        },
      ],
    }),
  }),
  crudCase({
    name: 'providers',
    repo: (s) => s.providers,
    make: (fx) => fx.provider(),
    change: (r) => ({ ...r, region: 'us-east-1' }),
  }),
  crudCase({
    name: 'operations',
    repo: (s) => s.operations,
    make: (fx) => fx.operation(),
    change: (r) => ({ ...r, status: 'RUNNING' as const, progress: 40 }),
  }),
  crudCase({
    name: 'domains',
    repo: (s) => s.domains,
    make: (fx) => fx.domain(),
    change: (r) => ({ ...r, quota: { maxDatabases: 3 } }),
  }),
  crudCase({
    name: 'projects',
    repo: (s) => s.projects,
    make: (fx) => fx.project(),
    change: (r) => ({ ...r, quota: { maxDatabases: 3 } }),
  }),
  crudCase({
    name: 'backupStorages',
    repo: (s) => s.backupStorages,
    make: (fx) => fx.backupStorage(),
    change: (r) => ({ ...r, bucket: 'other' }),
  }),
  crudCase({
    name: 'backups',
    repo: (s) => s.backups,
    make: (fx) => fx.backup(),
    change: (r) => ({ ...r, phase: 'Succeeded' as const, size: '12 MiB' }),
  }),
  crudCase({
    name: 'users',
    repo: (s) => s.users,
    make: (fx) => fx.user(),
    change: (r) => ({ ...r, disabled: true }),
  }),
  crudCase({
    name: 'apiKeys',
    repo: (s) => s.apiKeys,
    make: (fx) => fx.apiKey(),
    change: (r) => ({ ...r, lastUsedAt: '2026-02-01T00:00:00.000Z' }),
  }),
];

/** Create, read, update with revision checks, delete — the same for every mutable collection. */
export function runCrudConformance(ctx: ConformanceContext): void {
  describe.each(CASES)('$name repository', ({ repo, make, change }) => {
    it('creates a record with revision 1 and reads it back equal', async () => {
      const record = make(ctx.fx());
      const created = await repo(ctx.store()).create(record);
      expect(created).toEqual({ ...record, revision: 1 });
      expect(await repo(ctx.store()).get(record.id)).toEqual(created);
      expect(await repo(ctx.store()).find(record.id)).toEqual(created);
    });

    it('answers NotFoundError from get and null from find for an unknown id', async () => {
      await expect(repo(ctx.store()).get('nope-1')).rejects.toBeInstanceOf(NotFoundError);
      expect(await repo(ctx.store()).find('nope-1')).toBeNull();
    });

    it('refuses a second record with the same id with ConflictError', async () => {
      const record = await repo(ctx.store()).create(make(ctx.fx()));
      const twin = { ...make(ctx.fx()), id: record.id };
      await expect(repo(ctx.store()).create(twin)).rejects.toBeInstanceOf(ConflictError);
    });

    it('updates at the current revision, bumps it, and keeps createdAt', async () => {
      const created = await repo(ctx.store()).create(make(ctx.fx()));
      const changed = {
        ...change(created),
        createdAt: '2030-01-01T00:00:00.000Z',
        updatedAt: '2026-06-01T00:00:00.000Z',
      };
      const updated = await repo(ctx.store()).update(changed);
      expect(updated.revision).toBe(2);
      expect(updated.createdAt).toBe(created.createdAt);
      expect(updated.updatedAt).toBe('2026-06-01T00:00:00.000Z');
      const reread = await repo(ctx.store()).get(created.id);
      expect(reread).toEqual(updated);
      expect(reread).toEqual(
        JSON.parse(
          JSON.stringify({ ...change(created), revision: 2, updatedAt: updated.updatedAt }),
        ),
      );
    });

    it('refuses a stale revision with ConflictError and keeps the newer write', async () => {
      const created = await repo(ctx.store()).create(make(ctx.fx()));
      const first = await repo(ctx.store()).update(change(created));
      const error = await repo(ctx.store())
        .update({ ...created, updatedAt: '2026-09-09T00:00:00.000Z' })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toBeInstanceOf(StaleRevisionError);
      expect(await repo(ctx.store()).get(created.id)).toEqual(first);
    });

    it('lets exactly one of two concurrent updates at the same revision win', async () => {
      const created = await repo(ctx.store()).create(make(ctx.fx()));
      const results = await Promise.allSettled([
        repo(ctx.store()).update(change(created)),
        repo(ctx.store()).update({ ...created, updatedAt: '2026-09-09T00:00:00.000Z' }),
      ]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((result) => result.status === 'rejected');
      expect((rejected as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    });

    it('answers NotFoundError when updating a record that does not exist', async () => {
      await expect(repo(ctx.store()).update(make(ctx.fx()))).rejects.toBeInstanceOf(NotFoundError);
    });

    it('deletes a record and reports whether there was one', async () => {
      const created = await repo(ctx.store()).create(make(ctx.fx()));
      expect(await repo(ctx.store()).delete(created.id)).toBe(true);
      expect(await repo(ctx.store()).find(created.id)).toBeNull();
      expect(await repo(ctx.store()).delete(created.id)).toBe(false);
    });
  });

  describe('unique names', () => {
    it('refuses a live database with a taken (domain, project, name), naming the fields', async () => {
      const { databases } = ctx.store();
      const first = await databases.create(ctx.fx().database({ name: 'orders' }));
      const error = await databases
        .create(ctx.fx().database({ name: 'orders' }))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DuplicateError);
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as DuplicateError).fields).toEqual(['domain', 'project', 'name']);
      expect((error as Error).message).toContain('orders');
      expect((error as DuplicateError).details.map((detail) => detail.path)).toEqual([
        'domain',
        'project',
        'name',
      ]);
      expect(await databases.findByName('acme', 'shop', 'orders')).toEqual(first);
    });

    it('allows the same database name in another project or domain', async () => {
      const { databases } = ctx.store();
      await databases.create(ctx.fx().database({ name: 'orders' }));
      await databases.create(
        ctx.fx().database({ name: 'orders', project: 'web', namespace: 'acme-web' }),
      );
      await databases.create(
        ctx.fx().database({ name: 'orders', domain: 'globex', namespace: 'globex-shop' }),
      );
      expect((await databases.list()).items).toHaveLength(3);
    });

    it('frees a database name once the old database is DELETED', async () => {
      const { databases } = ctx.store();
      const old = await databases.create(ctx.fx().database({ name: 'orders' }));
      await databases.update({ ...old, status: 'DELETED' });
      const fresh = await databases.create(ctx.fx().database({ name: 'orders' }));
      expect(await databases.findByName('acme', 'shop', 'orders')).toEqual(fresh);
      const revived = await databases.get(old.id);
      await expect(databases.update({ ...revived, status: 'RUNNING' })).rejects.toBeInstanceOf(
        DuplicateError,
      );
    });

    it('refuses an update that renames a database onto a taken name', async () => {
      const { databases } = ctx.store();
      await databases.create(ctx.fx().database({ name: 'orders' }));
      const other = await databases.create(ctx.fx().database({ name: 'invoices' }));
      await expect(databases.update({ ...other, name: 'orders' })).rejects.toBeInstanceOf(
        DuplicateError,
      );
    });

    it.each([
      ['providers', 'name'],
      ['domains', 'name'],
      ['backupStorages', 'name'],
      ['users', 'username'],
    ] as const)('refuses a second %s record with the same %s', async (collection, field) => {
      const store = ctx.store();
      const fx = ctx.fx();
      const make = {
        providers: () => fx.provider({ name: 'same' }),
        domains: () => fx.domain({ name: 'same' }),
        backupStorages: () => fx.backupStorage({ name: 'same' }),
        users: () => fx.user({ username: 'same' }),
      }[collection];
      const repo = store[collection] as unknown as Repository<StoredRecord, never>;
      await repo.create(make());
      const error = await repo.create(make()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DuplicateError);
      expect((error as DuplicateError).fields).toEqual([field]);
      expect((error as Error).message).toContain('same');
    });

    it('finds records by their unique names', async () => {
      const store = ctx.store();
      const fx = ctx.fx();
      const provider = await store.providers.create(fx.provider({ name: 'east' }));
      const domain = await store.domains.create(fx.domain({ name: 'acme' }));
      const storage = await store.backupStorages.create(fx.backupStorage({ name: 'nightly' }));
      const user = await store.users.create(fx.user({ username: 'alice' }));
      expect(await store.providers.findByName('east')).toEqual(provider);
      expect(await store.domains.findByName('acme')).toEqual(domain);
      expect(await store.backupStorages.findByName('nightly')).toEqual(storage);
      expect(await store.users.findByUsername('alice')).toEqual(user);
      expect(await store.users.findByUsername('bob')).toBeNull();
      expect(await store.providers.findByName('west')).toBeNull();
    });

    it('keeps project names unique per domain only', async () => {
      const { projects } = ctx.store();
      const shop = await projects.create(ctx.fx().project({ domain: 'acme', name: 'shop' }));
      await projects.create(ctx.fx().project({ domain: 'globex', name: 'shop' }));
      const error = await projects
        .create(ctx.fx().project({ domain: 'acme', name: 'shop' }))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DuplicateError);
      expect((error as DuplicateError).fields).toEqual(['domain', 'name']);
      expect(await projects.findByName('acme', 'shop')).toEqual(shop);
      expect(await projects.findByName('acme', 'web')).toBeNull();
    });
  });
}
