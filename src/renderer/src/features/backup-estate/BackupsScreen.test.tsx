// @vitest-environment happy-dom
/**
 * The fleet's Backups page: the estate map by database, the unprotected databases, the orphans and
 * their clean-up (preview, then delete), the restore drills with their runs and the API's field
 * errors of a new drill; what it says while reading, when a read fails, and when it is not current.
 */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  ClientProvider,
  type BackupEstateResponse,
  type EstateObject,
  type PublicProvider,
  type RestoreDrillResponse,
} from '../../api';
import { Shell } from '../../app/Shell';
import { useFleetStore } from '../../stores';
import { fakeClient, sampleDatabase, type Call } from '../../testing/fixtures';
import { BackupsScreen } from './BackupsScreen';
import { rtoTrend } from './DrillsPanel';

const PROVIDER = {
  id: 'p1',
  name: 'east',
  health: { reachable: true, kubedbInstalled: true, engines: [], lastSeenAt: null, message: null },
} as unknown as PublicProvider;

const obj = (o: Partial<EstateObject> & Pick<EstateObject, 'kind' | 'name'>): EstateObject => ({
  providerId: 'p1',
  namespace: 'acme-shop',
  managed: true,
  ...o,
});
const ORPHAN = obj({
  kind: 'Snapshot',
  name: 'gone-snap-1',
  databaseId: 'id-gone',
  orphan: 'its database acme-shop/gone is gone',
});
const ESTATE: BackupEstateResponse = {
  items: [
    obj({ kind: 'BackupStorage', name: 'dbaas-ceph' }),
    obj({ kind: 'BackupConfiguration', name: 'orders-backup', databaseId: 'id-orders' }),
    obj({ kind: 'Repository', name: 'orders-repo', databaseId: 'id-orders' }),
    obj({ kind: 'Snapshot', name: 'orders-repo-full-1', databaseId: 'id-orders' }),
    obj({ kind: 'Repository', name: 'hand-made', managed: false, namespace: 'legacy' }),
    ORPHAN,
  ],
  unprotected: [
    { databaseId: 'id-bare', name: 'bare', state: 'unconfigured', reason: 'no backup policy' },
    {
      databaseId: 'id-late',
      name: 'late',
      state: 'overdue',
      reason: 'newest backup is 40 h old; schedule "0 2 * * *" allows 37 h',
      newestBackupAt: '2026-01-01T00:00:00.000Z',
    },
  ],
  unreadable: [],
};
const DRILL: RestoreDrillResponse = {
  id: 'dr-1',
  databaseId: 'id-orders',
  schedule: '0 4 * * 0',
  nextRunAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  runs: [
    {
      startedAt: '2026-01-01T04:00:00.000Z',
      finishedAt: '2026-01-01T04:02:00.000Z',
      passed: true,
      rtoSeconds: 120,
      message: 'restored',
    },
    {
      startedAt: '2026-01-08T04:00:00.000Z',
      finishedAt: '2026-01-08T04:05:00.000Z',
      passed: false,
      rtoSeconds: 300,
      message: 'restore into orders-drill-ab12cd failed: snapshot not found',
    },
  ],
};

function backend(overrides: Record<string, (call: Call) => unknown> = {}) {
  return fakeClient((call) => {
    const key = `${call.method} ${call.url}`;
    const handler = overrides[key];
    if (handler) return handler(call);
    if (key === 'GET /api/v1/backup-estate') return ESTATE;
    if (key === 'GET /api/v1/restore-drills') return { items: [DRILL] };
    throw new Error(`unexpected ${key}`);
  });
}
const flush = () =>
  act(async () => {
    for (let i = 0; i < 8; i++) await Promise.resolve();
  });
const reads = (client: ReturnType<typeof backend>) =>
  client.calls.filter((c) => c.url === '/api/v1/backup-estate').length;

function show(client: ReturnType<typeof backend>) {
  return render(
    <ClientProvider client={client}>
      <BackupsScreen />
    </ClientProvider>,
  );
}

describe('the Backups page', () => {
  beforeEach(() => {
    const orders = sampleDatabase({ name: 'orders' });
    useFleetStore.setState({
      databases: new Map([[orders.id, orders]]),
      providers: [PROVIDER],
      online: true,
      stale: null,
    });
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('maps the estate by database, managed or not, and lists the unprotected with their state', async () => {
    const client = backend();
    show(client);
    expect(screen.getByText('Reading the backup estate of every cluster…')).toBeTruthy();
    await flush();
    const orders = screen.getByTestId('estate-id-orders');
    expect(within(orders).getByRole('link', { name: 'orders' }).getAttribute('href')).toBe(
      '#/databases/id-orders',
    );
    expect(orders.textContent).toContain('1 BackupConfiguration · 1 Repository · 1 Snapshot');
    expect(orders.textContent).toContain('orders-repo-full-1');
    expect(orders.textContent).toContain('east');
    const loose = screen.getByTestId('estate-none');
    expect(loose.textContent).toContain('Not tied to a database');
    const handMade = within(loose).getByText('hand-made').closest('tr')!;
    expect(handMade.textContent).toContain('not this console');
    expect(screen.getByTestId('estate-id-gone').textContent).toContain(
      'id-gone (not a database this console knows)',
    );
    const late = screen.getByTestId('unprotected-id-late');
    expect(within(late).getByRole('link', { name: 'late' }).getAttribute('href')).toBe(
      '#/databases/id-late',
    );
    expect(late.querySelector('[data-state]')?.getAttribute('data-state')).toBe('overdue');
    expect(screen.getByTestId('unprotected-id-bare').textContent).toContain('no backup policy');
  });

  it('says the estate could not be read, and shows no empty lists in its place', async () => {
    const client = backend({
      'GET /api/v1/backup-estate': () => {
        throw new ApiError(503, 'UNAVAILABLE', 'cluster east cannot be reached');
      },
    });
    show(client);
    await flush();
    expect(screen.getByRole('alert').textContent).toContain(
      'Could not read the backup estate: cluster east cannot be reached',
    );
    expect(screen.queryByTestId('estate-map')).toBeNull();
    expect(screen.queryByText('No orphans')).toBeNull();
    expect(screen.queryByText(/Every database has a recent successful backup/)).toBeNull();
    // The drills were read on their own and still show.
    expect(screen.getByTestId('drill-dr-1')).toBeTruthy();
  });

  it('names the clusters whose backups could not be read, so their silence is not taken for safety', async () => {
    const client = backend({
      'GET /api/v1/backup-estate': () => ({
        ...ESTATE,
        unreadable: [{ providerId: 'p1', reason: 'cluster east is unreachable (ECONNREFUSED)' }],
      }),
    });
    show(client);
    await flush();
    const banner = screen.getByTestId('estate-unreadable');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.textContent).toContain('one cluster could not be read');
    expect(banner.textContent).toContain('east: cluster east is unreachable (ECONNREFUSED)');
  });

  it('reads again after a backup event at most every 30 s, and marks the last answer stale when that read fails', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let fail = false;
    const client = backend({
      'GET /api/v1/backup-estate': () => {
        if (fail) throw new ApiError(503, 'UNAVAILABLE', 'cluster east cannot be reached');
        return ESTATE;
      },
    });
    show(client);
    await act(async () => await vi.advanceTimersByTimeAsync(1));
    expect(screen.getByTestId('estate-map')).toBeTruthy();
    fail = true;
    act(() => {
      client.emit({ type: 'backup.status', data: { databaseId: 'id-orders' } });
      client.emit({ type: 'backup.status', data: { databaseId: 'id-orders' } });
    });
    await act(async () => await vi.advanceTimersByTimeAsync(29_000));
    expect(reads(client)).toBe(1);
    await act(async () => await vi.advanceTimersByTimeAsync(1_000));
    await act(async () => await vi.advanceTimersByTimeAsync(1));
    expect(reads(client)).toBe(2);
    expect(screen.getByTestId('estate-stale').textContent).toContain(
      'Not current: could not read the backup estate again; showing what was read 30 s ago',
    );
    // The last answer stays, but no clean-up is offered on it.
    expect(screen.getByTestId('estate-map')).toBeTruthy();
    expect(
      screen.getByRole<HTMLButtonElement>('button', { name: 'Clean up Snapshot gone-snap-1' })
        .disabled,
    ).toBe(true);
  });

  it('cleans up an orphan only after a dry-run preview and a confirmation, then reads again', async () => {
    let cleaned = false;
    const client = backend({
      'GET /api/v1/backup-estate': () =>
        cleaned ? { ...ESTATE, items: ESTATE.items.filter((i) => i !== ORPHAN) } : ESTATE,
      'POST /api/v1/backup-estate/cleanup?dryRun=true': () => ({ deleted: ORPHAN, dryRun: true }),
      'POST /api/v1/backup-estate/cleanup': () => {
        cleaned = true;
        return { deleted: ORPHAN, dryRun: false };
      },
    });
    show(client);
    await flush();
    const orphans = screen.getByTestId('orphans');
    expect(orphans.textContent).toContain('its database acme-shop/gone is gone');
    fireEvent.click(screen.getByRole('button', { name: 'Clean up Snapshot gone-snap-1' }));
    const dialog = screen.getByRole('dialog', { name: 'Clean up Snapshot gone-snap-1' });
    expect(within(dialog).queryByRole('button', { name: /^Delete/ })).toBeNull();
    expect(client.calls.some((c) => c.url.startsWith('/api/v1/backup-estate/cleanup'))).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Preview' }));
    await flush();
    expect(screen.getByTestId('cleanup-preview').textContent).toContain(
      'would delete Snapshot acme-shop/gone-snap-1',
    );
    const body = {
      providerId: 'p1',
      namespace: 'acme-shop',
      kind: 'Snapshot',
      name: 'gone-snap-1',
    };
    expect(client.calls.filter((c) => c.url.startsWith('/api/v1/backup-estate/cleanup'))).toEqual([
      { method: 'POST', url: '/api/v1/backup-estate/cleanup?dryRun=true', body },
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'Delete Snapshot gone-snap-1' }));
    await flush();
    expect(client.calls.at(-3)).toEqual({
      method: 'POST',
      url: '/api/v1/backup-estate/cleanup',
      body,
    });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(reads(client)).toBe(2);
    expect(screen.getByTestId('orphans').textContent).toContain('No orphans');
  });

  it('lists the drills with pass and fail runs and their RTO trend', async () => {
    show(backend());
    await flush();
    const row = screen.getByTestId('drill-dr-1');
    expect(within(row).getByRole('link', { name: 'orders' })).toBeTruthy();
    expect(
      [...row.querySelectorAll('[data-passed]')].map((e) => e.getAttribute('data-passed')),
    ).toEqual(['true', 'false']);
    expect(row.textContent).toContain('snapshot not found');
    expect(row.textContent).toContain('5 min');
    expect(row.textContent).toContain('not scheduled');
    expect(screen.getByTestId('rto-trend')).toBeTruthy();
    expect(rtoTrend([DRILL]).rows).toEqual([
      { at: Date.parse('2026-01-01T04:00:00.000Z'), 'dr-1': 120 },
      { at: Date.parse('2026-01-08T04:00:00.000Z'), 'dr-1': 300 },
    ]);
  });

  it("shows the API's errors of a new drill next to the field each names", async () => {
    let created = false;
    const client = backend({
      'POST /api/v1/restore-drills': (call) => {
        const body = call.body as { schedule: string };
        if (body.schedule !== '0 5 * * 1')
          throw new ApiError(400, 'VALIDATION_FAILED', 'invalid request', [
            {
              path: 'schedule',
              rule: 'custom',
              message: 'schedule must be a five-field cron expression such as "0 2 * * *"',
            },
          ]);
        created = true;
        return { ...DRILL, id: 'dr-2', runs: [] };
      },
    });
    show(client);
    await flush();
    fireEvent.click(screen.getByRole('button', { name: 'New drill…' }));
    fireEvent.change(screen.getByLabelText('Database'), { target: { value: 'id-orders' } });
    const schedule = screen.getByLabelText('Drill schedule (cron)');
    fireEvent.change(schedule, { target: { value: 'weekly' } });
    fireEvent.change(screen.getByLabelText(/Verification SQL/), {
      target: { value: 'SELECT count(*) FROM orders' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Create drill' }));
    await flush();
    expect(schedule.getAttribute('aria-invalid')).toBe('true');
    const message = document.getElementById(schedule.getAttribute('aria-describedby')!);
    expect(message?.textContent).toBe(
      'schedule: schedule must be a five-field cron expression such as "0 2 * * *"',
    );
    expect(screen.getByLabelText('Database').getAttribute('aria-invalid')).toBeNull();
    expect(client.calls.find((c) => c.method === 'POST')?.body).toEqual({
      databaseId: 'id-orders',
      schedule: 'weekly',
      verify: { sql: 'SELECT count(*) FROM orders' },
    });
    fireEvent.change(schedule, { target: { value: '0 5 * * 1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create drill' }));
    await flush();
    expect(created).toBe(true);
    expect(screen.queryByRole('form', { name: 'New restore drill' })).toBeNull();
  });

  it('is in the main navigation and titles the window', async () => {
    window.location.hash = '';
    // The shell also reads the fleet (databases, providers, operations): empty lists.
    const client = fakeClient((call) => {
      if (call.url === '/api/v1/backup-estate') return ESTATE;
      return { items: [], nextCursor: null };
    });
    render(
      <ClientProvider client={client}>
        <Shell client={client} user={null} streamState={null} onSignOut={null} />
      </ClientProvider>,
    );
    const link = screen
      .getByRole('navigation', { name: 'Main' })
      .querySelector<HTMLAnchorElement>('a[href="#/backups"]');
    expect(link?.textContent).toBe('Backups');
    await act(async () => {
      window.location.hash = link!.getAttribute('href')!;
      window.dispatchEvent(new HashChangeEvent('hashchange'));
      await Promise.resolve();
    });
    expect(await screen.findByRole('heading', { name: 'Backups', level: 2 })).toBeTruthy();
    expect(document.title).toBe('Backups — KubeDB DBaaS Console');
    expect(link?.getAttribute('aria-current')).toBe('page');
  });
});
