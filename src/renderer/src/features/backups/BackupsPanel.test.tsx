// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ApiError,
  type BackupItem,
  type BackupPolicyResponse,
  type BackupStorageResponse,
} from '../../api';
import { fakeClient, sampleDatabase, sampleOperation, type Call } from '../../testing/fixtures';
import { useFleetStore } from '../../stores';
import { BackupStoragesPanel } from './BackupStoragesPanel';
import { BackupsPanel } from './BackupsPanel';
import { BackupsTab } from './BackupsTab';

const STORAGE: BackupStorageResponse = {
  id: 'st-1',
  name: 'ceph',
  type: 's3',
  bucket: 'backups',
  endpoint: 'http://127.0.0.1:7480',
  region: 'us-east-1',
  prefix: '',
  forcePathStyle: true,
  retentionDays: 30,
  accessKeyIdHint: 'AB12',
  providerIds: [],
  usedBy: [{ databaseId: 'id-orders', name: 'orders' }],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const POLICY: BackupPolicyResponse = {
  databaseId: 'id-orders',
  storageId: 'st-1',
  schedule: '0 2 * * *',
  retentionDays: 14,
  pitr: true,
  paused: false,
  nextRunAt: '2026-01-02T02:00:00.000Z',
  rpoSeconds: 7200,
  rtoSeconds: null,
  objectives: { rpoSeconds: 3600, rtoSeconds: 14400, breached: ['rpo'] },
  recoverableWindow: { from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T01:00:00.000Z' },
};
const BACKUP: BackupItem = {
  id: 'bs-1',
  startedAt: '2026-01-01T00:30:00.000Z',
  finishedAt: '2026-01-01T00:31:00.000Z',
  phase: 'Succeeded',
  size: '12.5 MiB',
  snapshot: 'orders-snap-1',
  simulated: true,
};

function backend(overrides: Partial<Record<string, (call: Call) => unknown>> = {}) {
  return fakeClient((call) => {
    const key = `${call.method} ${call.url}`;
    const handler = overrides[key];
    if (handler) return handler(call);
    if (key === 'GET /api/v1/backup-storages') return { items: [STORAGE], nextCursor: null };
    if (key === 'GET /api/v1/databases/id-orders/backup-policy') return POLICY;
    if (key === 'GET /api/v1/databases/id-orders/backups') return { items: [BACKUP] };
    throw new Error(`unexpected ${key}`);
  });
}
const flush = () =>
  act(async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  });

describe('the Backups tab', () => {
  afterEach(() => {
    cleanup();
    useFleetStore.setState({ operations: new Map() });
  });

  it('reads nothing until the tab is opened', async () => {
    const client = backend();
    render(<BackupsTab database={sampleDatabase()} client={client} disabledReason={null} />);
    await flush();
    expect(client.calls).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'Show backups' }));
    await flush();
    expect(client.calls.map((c) => c.url)).toContain('/api/v1/databases/id-orders/backups');
  });

  it('shows the policy, the RPO breach, the window and the simulated snapshot', async () => {
    render(<BackupsPanel database={sampleDatabase()} client={backend()} disabledReason={null} />);
    await flush();
    expect(screen.getByTestId('backup-policy').textContent).toContain('ceph');
    expect(screen.getByTestId('backup-rpo').textContent).toContain('2 h');
    expect(screen.getByTestId('backup-rpo').textContent).toContain('RPO breached');
    expect(screen.getByTestId('backup-rto').textContent).not.toContain('breached');
    expect(screen.getByTestId('recoverable-window')).toBeTruthy();
    expect(screen.getByTestId('backup-bs-1').textContent).toContain('12.5 MiB');
    expect(screen.getByTestId('backup-bs-1').textContent).toContain('simulated');
  });

  it('names a wrong schedule before sending, and PUTs a valid policy', async () => {
    const client = backend({
      'PUT /api/v1/databases/id-orders/backup-policy': () => ({ ...POLICY, schedule: '0 3 * * *' }),
    });
    render(<BackupsPanel database={sampleDatabase()} client={client} disabledReason={null} />);
    await flush();
    fireEvent.click(screen.getByRole('button', { name: 'Edit policy' }));
    fireEvent.change(screen.getByLabelText('Schedule (cron)'), { target: { value: 'daily' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save policy' }));
    await flush();
    expect(screen.getByRole('alert').textContent).toContain('schedule:');
    expect(client.calls.some((c) => c.method === 'PUT')).toBe(false);
    fireEvent.change(screen.getByLabelText('Schedule (cron)'), { target: { value: '0 3 * * *' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save policy' }));
    await flush();
    expect(client.calls.find((c) => c.method === 'PUT')?.body).toEqual({
      storageId: 'st-1',
      schedule: '0 3 * * *',
      retentionDays: 14,
      pitr: true,
      paused: false,
    });
    expect(screen.getByTestId('backup-policy').textContent).toContain('0 3 * * *');
  });

  it('offers a policy when there is none and cannot back up without one', async () => {
    const client = backend({
      'GET /api/v1/databases/id-orders/backup-policy': () => {
        throw new ApiError(404, 'NOT_FOUND', 'no policy');
      },
      'GET /api/v1/databases/id-orders/backups': () => ({ items: [] }),
    });
    render(<BackupsPanel database={sampleDatabase()} client={client} disabledReason={null} />);
    await flush();
    expect(screen.getByText('Not backed up')).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Back up now' }).disabled).toBe(
      true,
    );
  });

  it('backs up now and shows the live progress of the operation', async () => {
    const op = sampleOperation({ id: 'op-b', type: 'backup', status: 'RUNNING', progress: 30 });
    const client = backend({
      'POST /api/v1/databases/id-orders/backups': () => ({ operation: op }),
    });
    render(<BackupsPanel database={sampleDatabase()} client={client} disabledReason={null} />);
    await flush();
    fireEvent.click(screen.getByRole('button', { name: 'Back up now' }));
    await flush();
    expect(screen.getByTestId('backup-active').textContent).toContain('30%');
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Back up now' }).disabled).toBe(
      true,
    );
  });

  it('restores in place only after the replace confirmation, with a preview and the API field errors', async () => {
    const client = backend({
      'POST /api/v1/databases/id-orders/restore?dryRun=true': () => ({
        manifests: [
          { kind: 'RestoreSession', metadata: { namespace: 'acme-shop', name: 'orders-restore' } },
        ],
      }),
      'POST /api/v1/databases/id-orders/restore': () => {
        throw new ApiError(422, 'UNPROCESSABLE', 'outside the recoverable window', [
          { path: 'pitr.targetTime', rule: 'window', message: 'is outside the recoverable window' },
        ]);
      },
    });
    render(
      <BackupsPanel
        database={sampleDatabase({ id: 'id-orders' })}
        client={client}
        disabledReason={null}
      />,
    );
    await flush();
    fireEvent.click(screen.getByRole('button', { name: 'Restore orders-snap-1…' }));
    fireEvent.click(screen.getByLabelText('orders itself (in place)'));
    const replace = screen.getByRole<HTMLButtonElement>('button', { name: 'Replace orders' });
    expect(replace.disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: /replaces all data of orders/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    await flush();
    expect(screen.getByTestId('restore-preview').textContent).toContain(
      'RestoreSession acme-shop/orders-restore',
    );
    fireEvent.click(replace);
    await flush();
    const restore = client.calls.filter((c) => c.url === '/api/v1/databases/id-orders/restore');
    expect(restore[0]?.body).toEqual({
      backupId: 'bs-1',
      target: { inPlace: true, replace: true },
    });
    expect(screen.getByRole('dialog').textContent).toContain('pitr.targetTime');
  });
});

describe('backup storages under Settings', () => {
  afterEach(cleanup);

  it('adds a storage without keeping its keys, shows each check, and names the users of a refused delete', async () => {
    const client = backend({
      'POST /api/v1/backup-storages': () => STORAGE,
      'POST /api/v1/backup-storages/st-1/test': () => ({
        ok: false,
        checks: [
          { name: 'reach', ok: true, message: 'answered' },
          { name: 'write', ok: false, message: 'AccessDenied' },
        ],
      }),
      'DELETE /api/v1/backup-storages/st-1': () => {
        throw new ApiError(409, 'CONFLICT', 'storage in use');
      },
    });
    render(<BackupStoragesPanel client={client} />);
    await flush();
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'ceph2' } });
    fireEvent.change(screen.getByLabelText('Secret access key'), { target: { value: 'sekrit' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add storage' }));
    await flush();
    const post = client.calls.find(
      (c) => c.method === 'POST' && c.url === '/api/v1/backup-storages',
    );
    expect(post?.body).toMatchObject({ name: 'ceph2', secretAccessKey: 'sekrit', type: 's3' });
    expect(screen.getByLabelText<HTMLInputElement>('Secret access key').value).toBe('');
    expect(document.body.textContent).not.toContain('sekrit');
    fireEvent.click(screen.getByRole('button', { name: 'Test ceph' }));
    await flush();
    expect(screen.getByRole('list', { name: 'Checks of ceph' }).textContent).toContain(
      'write: AccessDenied',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Delete ceph' }));
    await flush();
    expect(screen.getByRole('alert').textContent).toContain('used by orders');
  });
});
