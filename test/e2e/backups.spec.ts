/**
 * Backups in Chromium, against real pieces: the run's Ceph RGW (TEST_S3_*, which scripts/test.mjs
 * hands to Playwright) as the backup storage, and a simulated cluster of this spec's own with the
 * real data plane, so the PostgreSQL behind the database is a real server and its backup is a real
 * pg_dump into a real restic repository in the bucket. The daemon's own clusters (east, west) are
 * simulated-only, so this spec registers its cluster and its database through the HTTP API, and does
 * the backup itself in the console: a storage under Settings (tested), a policy on the database's
 * Backups tab, "Back up now", the succeeded session and its snapshot, then the Backups page's
 * estate map listing it.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { expect, test } from '@playwright/test';
import { requireCrdsDir } from '../../sim/crds';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { createTestBucket, s3Client, s3ForTests, type TestBucket } from '../helpers/s3';
import { goTo, readInfo, signIn, snap, type E2eInfo } from './support';

const NAME = 'e2e-ledger';

let sim: SimCluster | undefined;
let bucket: TestBucket | undefined;

test.beforeAll(async () => {
  s3ForTests(); // one line naming the TEST_S3_* variables when the run has no S3
  [sim, bucket] = await Promise.all([
    startSimCluster({
      name: 'vault',
      dataPlane: 'real',
      crdsDir: requireCrdsDir({ env: process.env }),
      speed: 50,
    }),
    createTestBucket('e2e-backups'),
  ]);
});

test.afterAll(async () => {
  await sim?.stop();
  await bucket?.cleanup();
});

/** One call of the daemon's API as admin (set-up only: the backup itself goes through the page). */
async function callApi<T>(info: E2eInfo, method: string, path: string, body?: unknown): Promise<T> {
  const login = await fetch(`${info.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: info.adminPassword }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const answer = await fetch(`${info.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${accessToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${text}`);
  return JSON.parse(text) as T;
}

test('an admin backs a real PostgreSQL up to Ceph from the console and finds the snapshot in the estate', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const info = readInfo();
  const s3 = s3ForTests();

  const database =
    await test.step('register the real-data cluster and a database on it (API)', async () => {
      const provider = await callApi<{ id: string }>(info, 'POST', '/api/v1/providers', {
        name: 'vault',
        kubeconfig: sim!.kubeconfig,
      });
      const created = await callApi<{ database: { id: string } }>(
        info,
        'POST',
        '/api/v1/databases',
        {
          name: NAME,
          engine: 'postgres',
          version: '16.4',
          domain: 'acme',
          project: 'ledger',
          providerId: provider.id,
          storage: { size: '1Gi', storageClass: 'standard' },
        },
      );
      return created.database;
    });

  await test.step('sign in and add the run’s Ceph as a backup storage; its test passes', async () => {
    await signIn(page, info);
    await goTo(page, 'Settings');
    const form = page.getByRole('form', { name: 'Add a backup storage' });
    await form.getByLabel('Name').fill('ceph-e2e');
    await form.getByLabel('Endpoint URL').fill(s3.endpoint);
    await form.getByLabel('Bucket').fill(bucket!.name);
    await form.getByLabel('Region').fill(s3.region);
    await form.getByLabel('Access key id').fill(s3.accessKeyId);
    await form.getByLabel('Secret access key').fill(s3.secretAccessKey);
    await form.getByRole('button', { name: 'Add storage' }).click();
    await page.getByRole('button', { name: 'Test ceph-e2e' }).click();
    const checks = page.getByRole('list', { name: 'Checks of ceph-e2e' }).getByRole('listitem');
    await expect(checks.first()).toBeVisible({ timeout: 20_000 });
    await expect(checks.and(page.locator('[data-ok="false"]'))).toHaveCount(0);
    await expect(page.getByTestId('storage-ceph-e2e')).not.toContainText(s3.secretAccessKey);
  });

  await test.step('set a policy on the database and back it up now', async () => {
    await goTo(page, 'Databases');
    await page.getByRole('link', { name: NAME, exact: true }).click();
    await expect(page.getByTestId('detail-status')).toHaveAttribute('data-status', 'RUNNING', {
      timeout: 40_000,
    });
    await page.getByRole('button', { name: 'Show backups' }).click();
    await page.getByRole('button', { name: 'Set a policy' }).click();
    const policy = page.getByRole('form', { name: 'Backup policy' });
    await policy
      .getByRole('combobox', { name: 'Storage' })
      .selectOption({ label: `ceph-e2e (${bucket!.name})` });
    // New Year only: the simulator's cron clock runs 50 times faster than the wall clock, and no
    // scheduled session may stand in for the one this test starts.
    await policy.getByLabel('Schedule (cron)').fill('0 0 1 1 *');
    await policy.getByRole('button', { name: 'Save policy' }).click();
    await expect(page.getByTestId('backup-policy')).toContainText('ceph-e2e');
    const now = page.getByRole('button', { name: 'Back up now' });
    await expect(now).toBeEnabled();
    await now.click();
  });

  const snapshot =
    await test.step('the session succeeds and lists its snapshot, live', async () => {
      const done = page
        .getByRole('table', { name: 'Backups' })
        .getByRole('row')
        .filter({ has: page.locator('[data-status="SUCCEEDED"]') });
      await expect(done.first()).toBeVisible({ timeout: 45_000 });
      await expect(done.first()).not.toContainText('simulated');
      const name = (await done.first().locator('td').nth(4).innerText()).trim();
      expect(name).not.toBe('—');
      await snap(page, 'backups-tab-succeeded');
      return name;
    });

  await test.step('restic wrote the snapshot into the bucket', async () => {
    const listed = await s3Client().send(new ListObjectsV2Command({ Bucket: bucket!.name }));
    expect((listed.Contents ?? []).some((o) => /(^|\/)snapshots\/[0-9a-f]{64}$/.test(o.Key!))).toBe(
      true,
    );
  });

  await test.step('the Backups page lists the snapshot in the estate, under the database', async () => {
    // By keyboard: Tab from the top of the page reaches the page's link in the navigation.
    await page.reload();
    await expect(page.getByTestId('signed-in-user')).toHaveText('admin');
    const link = page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Backups' });
    for (let i = 0; i < 12 && !(await link.evaluate((e) => e === document.activeElement)); i++)
      await page.keyboard.press('Tab');
    await expect(link).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page).toHaveTitle('Backups — KubeDB DBaaS Console');
    const group = page.getByTestId(`estate-${database.id}`);
    await expect(group.getByRole('link', { name: NAME })).toBeVisible({ timeout: 20_000 });
    // The Snapshot is KubeStash's (made for the session); the configuration is the engine's.
    await expect(group.getByRole('row').filter({ hasText: snapshot })).toContainText('Snapshot');
    await expect(
      group.getByRole('row').filter({ hasText: 'BackupConfiguration' }).first(),
    ).toContainText('this console');
    await expect(group).toContainText('Repository');
    await expect(page.getByTestId(`unprotected-${database.id}`)).toHaveCount(0);
    await snap(page, 'backups-page');
  });
});
