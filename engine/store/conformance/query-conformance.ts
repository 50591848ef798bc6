import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../base/errors';
import type { Database } from '../../domain';
import { decodeCursor, type Page, type PageRequest } from '../paging';
import type { DatabaseFilter } from '../records';
import type { ConformanceContext } from './store-conformance';

/** Reads every page of a list and returns the items in order and the number of pages. */
async function readAll<T>(
  list: (page: PageRequest) => Promise<Page<T>>,
  limit: number,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Page<T> = await list({ limit, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
    pages += 1;
    if (pages > 1000) throw new Error('the cursor never ends');
  } while (cursor);
  return { items, pages };
}

const ids = (records: ReadonlyArray<{ id: string }>): string[] =>
  records.map((record) => record.id);

/** Paging, every list filter, RBAC scopes and the count helpers. */
export function runQueryConformance(ctx: ConformanceContext): void {
  describe('paging', () => {
    it('walks every record exactly once in (createdAt, id) order', async () => {
      const { databases } = ctx.store();
      const fx = ctx.fx();
      const created: Database[] = [];
      // Insert out of order, and let groups share a createdAt, so that the id breaks ties.
      for (let i = 22; i >= 0; i -= 1) {
        created.push(
          await databases.create(
            fx.database({
              id: `db-${String(i).padStart(3, '0')}`,
              createdAt: fx.time(Math.floor(i / 3)),
            }),
          ),
        );
      }
      const expected = [...created]
        .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || (a.id < b.id ? -1 : 1))
        .map((record) => record.id);
      const { items, pages } = await readAll((page) => databases.list({}, page), 5);
      expect(ids(items)).toEqual(expected);
      expect(pages).toBe(5);
    });

    it('defaults to 50 a page and never returns more than 500', async () => {
      const { operations } = ctx.store();
      const fx = ctx.fx();
      for (let i = 0; i < 505; i += 1) await operations.create(fx.operation());
      const first = await operations.list();
      expect(first.items).toHaveLength(50);
      expect(first.nextCursor).not.toBeNull();
      const big = await operations.list({}, { limit: 10_000 });
      expect(big.items).toHaveLength(500);
      const rest = await operations.list({}, { limit: 10_000, cursor: big.nextCursor });
      expect(rest.items).toHaveLength(5);
      expect(rest.nextCursor).toBeNull();
      expect((await operations.list({}, { limit: 0 })).items).toHaveLength(1);
    });

    it('returns a null cursor when the last page is exactly full', async () => {
      const { domains } = ctx.store();
      for (let i = 0; i < 4; i += 1) await domains.create(ctx.fx().domain());
      const first = await domains.list({}, { limit: 2 });
      const second = await domains.list({}, { limit: 2, cursor: first.nextCursor });
      expect(second.items).toHaveLength(2);
      expect(second.nextCursor).toBeNull();
      expect((await domains.list()).nextCursor).toBeNull();
    });

    it('keeps a cursor valid while records are added and removed between pages', async () => {
      const { providers } = ctx.store();
      const fx = ctx.fx();
      const created = [];
      for (let i = 0; i < 6; i += 1) created.push(await providers.create(fx.provider()));
      const first = await providers.list({}, { limit: 3 });
      await providers.delete(created[0]!.id);
      await providers.delete(created[4]!.id);
      const late = await providers.create(fx.provider());
      const rest = await readAll(
        (page) => providers.list({}, { ...page, cursor: page.cursor ?? first.nextCursor }),
        2,
      );
      expect(ids([...first.items, ...rest.items])).toEqual(
        ids([...created.slice(0, 4), created[5]!, late]),
      );
    });

    it('refuses a cursor it did not issue with ValidationError', async () => {
      await expect(
        ctx.store().databases.list({}, { cursor: 'not-a-cursor' }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(ctx.store().auditEvents.list({}, { cursor: 'bm9wZQ' })).rejects.toBeInstanceOf(
        ValidationError,
      );
    });
  });

  describe('database filters', () => {
    async function seed(): Promise<Record<string, Database>> {
      const { databases } = ctx.store();
      const fx = ctx.fx();
      const records = {
        orders: fx.database({
          name: 'orders',
          engine: 'postgres',
          status: 'RUNNING',
          providerId: 'prov-a',
        }),
        ordersArchive: fx.database({
          name: 'orders-archive',
          engine: 'mysql',
          mode: 'standalone',
          status: 'FAILED',
          providerId: 'prov-b',
        }),
        cache: fx.database({
          name: 'cache',
          engine: 'redis',
          mode: 'standalone',
          project: 'web',
          namespace: 'acme-web',
          providerId: 'prov-a',
        }),
        search: fx.database({
          name: 'search',
          engine: 'elasticsearch',
          mode: 'combined',
          domain: 'globex',
          namespace: 'globex-shop',
          status: 'PAUSED',
          providerId: 'prov-b',
        }),
        gone: fx.database({ name: 'gone', status: 'DELETED', providerId: 'prov-a' }),
        dropping: fx.database({
          name: 'dropping',
          status: 'DELETING',
          providerId: 'prov-a',
          project: 'web',
          namespace: 'acme-web',
        }),
        odd: fx.database({
          name: 'x1y2',
          domain: 'globex',
          project: 'web',
          namespace: 'globex-web',
          providerId: 'prov-c',
        }),
      };
      for (const record of Object.values(records)) await databases.create(record);
      return records;
    }

    const cases: Array<[string, DatabaseFilter, string[]]> = [
      [
        'no filter leaves DELETED out',
        {},
        ['orders', 'ordersArchive', 'cache', 'search', 'dropping', 'odd'],
      ],
      [
        'includeDeleted keeps it',
        { includeDeleted: true },
        ['orders', 'ordersArchive', 'cache', 'search', 'gone', 'dropping', 'odd'],
      ],
      ['domain', { domain: 'globex' }, ['search', 'odd']],
      ['domain and project', { domain: 'acme', project: 'web' }, ['cache', 'dropping']],
      ['project alone', { project: 'web' }, ['cache', 'dropping', 'odd']],
      ['engine', { engine: 'mysql' }, ['ordersArchive']],
      ['one status', { status: 'FAILED' }, ['ordersArchive']],
      ['DELETED as a status', { status: 'DELETED' }, ['gone']],
      ['several statuses', { status: ['PAUSED', 'DELETING'] }, ['search', 'dropping']],
      ['providerId', { providerId: 'prov-a' }, ['orders', 'cache', 'dropping']],
      ['q as a substring', { q: 'rder' }, ['orders', 'ordersArchive']],
      ['q ignores case', { q: 'ORDERS-' }, ['ordersArchive']],
      ['q treats % and _ literally', { q: '%' }, []],
      ['q with underscore', { q: '_' }, []],
      [
        'combined filters',
        { providerId: 'prov-b', status: 'PAUSED', engine: 'elasticsearch' },
        ['search'],
      ],
      ['a domain scope', { scopes: [{ domain: 'globex' }] }, ['search', 'odd']],
      ['a project scope', { scopes: [{ domain: 'acme', project: 'web' }] }, ['cache', 'dropping']],
      [
        'several scopes',
        {
          scopes: [
            { domain: 'acme', project: 'shop' },
            { domain: 'globex', project: 'web' },
          ],
        },
        ['orders', 'ordersArchive', 'odd'],
      ],
      ['no scopes sees nothing', { scopes: [] }, []],
      ['a scope and a filter', { scopes: [{ domain: 'acme' }], engine: 'redis' }, ['cache']],
      [
        'a filter outside the scope',
        { scopes: [{ domain: 'acme', project: 'shop' }], domain: 'globex' },
        [],
      ],
    ];

    it.each(cases)('filters by %s', async (_label, filter, expected) => {
      const records = await seed();
      const { items } = await ctx.store().databases.list(filter, { limit: 500 });
      expect(ids(items)).toEqual(expected.map((key) => records[key]!.id));
    });

    it('filters by ids, together with scopes, leaving DELETED out', async () => {
      const records = await seed();
      const { databases } = ctx.store();
      const wanted = [records.orders!, records.search!, records.gone!, records.cache!];
      const byIds = await databases.list({ ids: wanted.map((r) => r.id) }, { limit: 500 });
      expect(ids(byIds.items)).toEqual(ids([records.orders!, records.cache!, records.search!]));
      const scoped = await databases.list(
        { ids: wanted.map((r) => r.id), scopes: [{ domain: 'acme' }] },
        { limit: 500 },
      );
      expect(ids(scoped.items)).toEqual(ids([records.orders!, records.cache!]));
      expect((await databases.list({ ids: [] }, { limit: 500 })).items).toEqual([]);
    });

    it('pages through a filtered list without leaking other records', async () => {
      const { databases } = ctx.store();
      const fx = ctx.fx();
      const wanted: string[] = [];
      for (let i = 0; i < 12; i += 1) {
        const inScope = i % 3 !== 0;
        const record = await databases.create(
          fx.database(inScope ? {} : { domain: 'globex', namespace: 'globex-shop' }),
        );
        if (inScope) wanted.push(record.id);
      }
      const { items } = await readAll(
        (page) => databases.list({ scopes: [{ domain: 'acme' }] }, page),
        3,
      );
      expect(ids(items)).toEqual(wanted);
    });

    it('counts databases per project and live databases per provider, leaving DELETED out', async () => {
      await seed();
      const { databases } = ctx.store();
      expect(await databases.countByProject('acme', 'shop')).toBe(2);
      expect(await databases.countByProject('acme', 'web')).toBe(2);
      expect(await databases.countByProject('acme', 'none')).toBe(0);
      expect(await databases.countActiveByProvider('prov-a')).toBe(3);
      expect(await databases.countActiveByProvider('prov-b')).toBe(2);
      expect(await databases.countActiveByProvider('prov-z')).toBe(0);
    });
  });

  describe('other filters', () => {
    it('filters operations by database, status and type', async () => {
      const { operations } = ctx.store();
      const fx = ctx.fx();
      const a = await operations.create(
        fx.operation({ databaseId: 'db-a', type: 'create', status: 'SUCCEEDED' }),
      );
      const b = await operations.create(
        fx.operation({ databaseId: 'db-a', type: 'restart', status: 'RUNNING' }),
      );
      const c = await operations.create(
        fx.operation({ databaseId: 'db-b', type: 'restart', status: 'QUEUED' }),
      );
      const d = await operations.create(
        fx.operation({ databaseId: 'db-b', type: 'backup', status: 'FAILED' }),
      );
      const list = async (filter: Parameters<typeof operations.list>[0]) =>
        ids((await operations.list(filter)).items);
      expect(await list({ databaseId: 'db-a' })).toEqual(ids([a, b]));
      expect(await list({ status: 'QUEUED' })).toEqual(ids([c]));
      expect(await list({ status: ['QUEUED', 'RUNNING'] })).toEqual(ids([b, c]));
      expect(await list({ type: 'restart' })).toEqual(ids([b, c]));
      expect(await list({ type: ['backup', 'create'] })).toEqual(ids([a, d]));
      expect(await list({ databaseId: 'db-b', status: ['QUEUED', 'RUNNING'] })).toEqual(ids([c]));
      expect(await list({ status: [] })).toEqual([]);
      expect(await list({})).toEqual(ids([a, b, c, d]));
    });

    it('pages operations within tenant scopes: pages and cursors only ever see permitted rows', async () => {
      const { databases, operations } = ctx.store();
      const fx = ctx.fx();
      const mine = await databases.create(fx.database({ domain: 'acme', project: 'shop' }));
      const gone = await databases.create(
        fx.database({ domain: 'acme', project: 'shop', status: 'DELETED' }),
      );
      const foreign = await databases.create(
        fx.database({ domain: 'globex', project: 'shop', namespace: 'globex-shop' }),
      );
      const sibling = await databases.create(fx.database({ domain: 'acme', project: 'web' }));
      const visible: string[] = [];
      const hidden = new Set<string>();
      for (let i = 0; i < 12; i += 1) {
        const database = [foreign, mine, sibling, gone][i % 4]!;
        const operation = await operations.create(fx.operation({ databaseId: database.id }));
        if (database === mine || database === gone) visible.push(operation.id);
        else hidden.add(operation.id);
      }
      const scopes = [{ domain: 'acme', project: 'shop' }];
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Page<{ id: string }> = await operations.list({ scopes }, { limit: 1, cursor });
        seen.push(...ids(page.items));
        cursor = page.nextCursor;
        // A cursor names the last row of its page, which must be a permitted one.
        if (cursor) expect(hidden.has(String(decodeCursor(cursor)[1]))).toBe(false);
        pages += 1;
      } while (cursor && pages < 100);
      expect(seen).toEqual(visible);
      // The page count reveals the permitted rows only, not the fleet's.
      expect(pages).toBe(visible.length);
      expect(ids((await operations.list({ scopes, databaseId: foreign.id })).items)).toEqual([]);
      expect(
        ids(
          (await operations.list({ scopes: [{ domain: 'acme' }], databaseId: sibling.id })).items,
        ),
      ).toHaveLength(3);
      expect((await operations.list({ scopes: [] })).items).toEqual([]);
      expect((await operations.list({})).items).toHaveLength(12);
    });

    it('filters projects by domain, backups by database and API keys by creator and prefix', async () => {
      const store = ctx.store();
      const fx = ctx.fx();
      const p1 = await store.projects.create(fx.project({ domain: 'acme' }));
      const p2 = await store.projects.create(fx.project({ domain: 'globex' }));
      expect(ids((await store.projects.list({ domain: 'acme' })).items)).toEqual([p1.id]);
      expect(ids((await store.projects.list()).items)).toEqual([p1.id, p2.id]);

      const b1 = await store.backups.create(fx.backup({ databaseId: 'db-a' }));
      await store.backups.create(fx.backup({ databaseId: 'db-b' }));
      expect(ids((await store.backups.list({ databaseId: 'db-a' })).items)).toEqual([b1.id]);

      const k1 = await store.apiKeys.create(fx.apiKey({ createdBy: 'usr-a', prefix: 'dbk_aaaa' }));
      const k2 = await store.apiKeys.create(fx.apiKey({ createdBy: 'usr-b', prefix: 'dbk_bbbb' }));
      const k3 = await store.apiKeys.create(fx.apiKey({ createdBy: 'usr-b', prefix: 'dbk_aaaa' }));
      expect(ids((await store.apiKeys.list({ createdBy: 'usr-b' })).items)).toEqual([k2.id, k3.id]);
      expect(ids(await store.apiKeys.findByPrefix('dbk_aaaa'))).toEqual([k1.id, k3.id]);
      expect(await store.apiKeys.findByPrefix('dbk_none')).toEqual([]);
    });

    it('counts a creator’s unexpired API keys and deletes all of a creator’s keys at once', async () => {
      const { apiKeys } = ctx.store();
      const fx = ctx.fx();
      const now = '2026-06-01T00:00:00.000Z';
      await apiKeys.create(fx.apiKey({ createdBy: 'usr-a', expiresAt: null }));
      await apiKeys.create(
        fx.apiKey({ createdBy: 'usr-a', expiresAt: '2026-06-02T00:00:00.000Z' }),
      );
      await apiKeys.create(
        fx.apiKey({ createdBy: 'usr-a', expiresAt: '2026-05-31T00:00:00.000Z' }),
      );
      await apiKeys.create(fx.apiKey({ createdBy: 'usr-a', expiresAt: now }));
      const other = await apiKeys.create(fx.apiKey({ createdBy: 'usr-b', expiresAt: null }));
      expect(await apiKeys.countActiveByCreator('usr-a', now)).toBe(2);
      expect(await apiKeys.countActiveByCreator('usr-b', now)).toBe(1);
      expect(await apiKeys.countActiveByCreator('usr-none', now)).toBe(0);
      expect(await apiKeys.deleteByCreator('usr-a')).toBe(4);
      expect(await apiKeys.deleteByCreator('usr-a')).toBe(0);
      expect((await apiKeys.list({ createdBy: 'usr-a' })).items).toEqual([]);
      expect(ids((await apiKeys.list()).items)).toEqual([other.id]);
    });
  });
}
