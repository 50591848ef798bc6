import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { runKubectl, writeKubeconfig } from '../helpers/kubectl';
import { goTo, readInfo, signIn, snap } from './support';

const NAME = 'e2e-orders';

test('an admin signs in, adds a cluster, creates, scales, inspects, drifts and deletes a database', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const info = readInfo();
  const east = info.clusters[0]!;

  await test.step('a wrong password shows the API error, the right one signs in', async () => {
    await page.goto('/');
    await snap(page, 'login');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toContainText('Sign-in failed');
    await signIn(page, info);
    await expect(page.getByText('Nothing here yet')).toBeVisible();
    await snap(page, 'dashboard-empty');
  });

  await test.step('add the simulator as a cluster by pasting its kubeconfig', async () => {
    await goTo(page, 'Clusters');
    await page.getByLabel('or paste the kubeconfig').fill(east.kubeconfig);
    await page.getByRole('button', { name: 'Read contexts' }).click();
    await expect(page.getByRole('checkbox', { name: /east/ })).toBeChecked();
    await expect(page.getByLabel('Cluster name')).toHaveValue('east');
    await page.getByRole('button', { name: 'Add cluster' }).click();
    const row = page.getByTestId('cluster-east');
    await expect(page.getByTestId('cluster-health-east')).toHaveAttribute(
      'data-status',
      'reachable',
    );
    await expect(row).toContainText('installed');
    await snap(page, 'clusters');
  });

  await test.step('create a database through the wizard and watch it reach RUNNING', async () => {
    await goTo(page, 'New database');
    await page.getByLabel('Engine').selectOption('postgres');
    await expect(page.getByLabel('Version')).toBeVisible();
    await page.getByLabel('Version').selectOption('16.1');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Mode').selectOption('cluster');
    await page.getByLabel(/Replicas/).fill('2');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: /small/ }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill(NAME);
    // Tenants are picked from those that exist; a new one is an explicit choice.
    for (const [label, name] of [
      ['Domain', 'acme'],
      ['Project', 'shop'],
    ] as const) {
      const picker = page.getByRole('combobox', { name: label, exact: true });
      await expect(picker).toBeEnabled();
      if ((await picker.locator('option', { hasText: new RegExp(`^${name}$`) }).count()) > 0) {
        await picker.selectOption(name);
      } else {
        await picker.selectOption({ label: `New ${label.toLowerCase()}…` });
        await page
          .getByRole('textbox', { name: `New ${label.toLowerCase()} name`, exact: true })
          .fill(name);
      }
    }
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Preview manifests' }).click();
    await expect(page.getByTestId('create-preview')).toContainText('kind: Postgres');
    await snap(page, 'create-wizard-preview');
    await page.getByRole('button', { name: 'Create database' }).click();
    await expect(page.getByTestId('create-status')).toHaveAttribute('data-status', 'RUNNING', {
      timeout: 30_000,
    });
    await snap(page, 'create-progress');
  });

  await test.step('scale it and follow the operation', async () => {
    await page.getByRole('link', { name: 'Open the database' }).click();
    await expect(page.getByTestId('detail-status')).toHaveAttribute('data-status', 'RUNNING');
    await page.getByRole('button', { name: 'Scale' }).click();
    const dialog = page.getByRole('dialog', { name: 'Scale replicas' });
    await dialog.getByLabel(/Replicas/).fill('3');
    await dialog.getByRole('button', { name: 'Preview' }).click();
    await expect(dialog.getByTestId('dry-run-preview')).toContainText('PostgresOpsRequest');
    await snap(page, 'scale-preview');
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await expect(dialog).toBeHidden();
    const operation = page.getByTestId('operation-scale-horizontal');
    await expect(operation.getByRole('progressbar')).toBeVisible();
    await expect(operation).toHaveAttribute('data-status', 'SUCCEEDED', { timeout: 30_000 });
    await expect(page.getByTestId('detail-replicas')).toContainText('of 3');
    await snap(page, 'database-detail');
  });

  await test.step('reveal and hide the credentials', async () => {
    await page.getByRole('button', { name: 'Reveal credentials' }).click();
    await expect(page.getByTestId('credential-password')).not.toBeEmpty();
    await snap(page, 'credentials-revealed');
    await page.getByRole('button', { name: 'Hide credentials' }).click();
    await expect(page.getByTestId('credential-password')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Reveal credentials' })).toBeVisible();
  });

  await test.step('add a label on the detail page and see it', async () => {
    const settings = page.getByTestId('settings-panel');
    await settings.getByLabel('Label key').fill('Not A Key');
    await settings.getByRole('button', { name: 'Add label' }).click();
    await expect(settings.getByTestId('label-problem')).toContainText('labels["Not A Key"]');
    await settings.getByLabel('Label key').fill('owner');
    await settings.getByLabel('Label value').fill('e2e');
    await settings.getByRole('button', { name: 'Add label' }).click();
    await expect(settings.getByRole('list', { name: 'Labels' })).toContainText('owner=e2e');
    await expect(settings.getByTestId('label-problem')).toHaveCount(0);
  });

  await test.step('a drift made with kubectl shows up (or its repair does)', async () => {
    const kubeconfig = writeKubeconfig(east.url, mkdtempSync(join(tmpdir(), 'e2e-kubectl-')));
    const patched = await runKubectl(kubeconfig, [
      'patch',
      'postgres',
      NAME,
      '-n',
      'acme-shop',
      '--type',
      'merge',
      '-p',
      '{"spec":{"replicas":5}}',
    ]);
    expect(patched.stderr).toBe('');
    expect(patched.code).toBe(0);
    const signal = page.locator(
      '[data-testid="drift-badge"], [data-testid="manifest-drift"], [data-testid="operation-repair-drift"]',
    );
    await expect(signal.first()).toBeVisible({ timeout: 30_000 });
    // Once repaired, the change stays in the panel's history.
    await expect(
      page.getByTestId('drift-panel').getByRole('table', { name: 'Drift history' }),
    ).toContainText('replicas', { timeout: 60_000 });
    await snap(page, 'drift');
  });

  await test.step('the other screens: databases, palette, operations, audit, dashboard, dark theme', async () => {
    await goTo(page, 'Databases');
    await expect(page.getByTestId(`status-${NAME}`)).toBeVisible();
    await snap(page, 'databases');
    await page.keyboard.press('Control+k');
    await page.getByLabel('Go to a database, cluster or screen').fill('e2e');
    await snap(page, 'command-palette');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: new RegExp(NAME) })).toBeVisible();
    await goTo(page, 'Operations');
    await expect(page.getByRole('table', { name: 'History' })).toContainText('scale-horizontal');
    await snap(page, 'operations');
    await goTo(page, 'Audit');
    await expect(page.getByRole('table', { name: 'Audit events' })).toContainText('auth.login');
    await snap(page, 'audit');
    await goTo(page, 'Dashboard');
    await expect(page.getByTestId('dash-total')).toHaveText('1');
    await snap(page, 'dashboard');
    await page.getByRole('button', { name: /^Theme: system/ }).click();
    await page.getByRole('button', { name: /^Theme: light/ }).click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await snap(page, 'dashboard-dark');
  });

  await test.step('offline: the last known data stays, marked stale, and actions are off', async () => {
    await page.route('**/api/v1/**', (route) => route.abort('connectionrefused'));
    await page.reload();
    await expect(page.getByTestId('stale-banner')).toContainText('stale');
    await goTo(page, 'Databases');
    await expect(page.getByTestId(`status-${NAME}`)).toBeVisible();
    await page.getByRole('link', { name: NAME }).click();
    await expect(page.getByRole('button', { name: 'Delete', exact: true })).toBeDisabled();
    await expect(page.getByRole('toolbar', { name: 'Database actions' })).toContainText(
      'The engine is unreachable',
    );
    await snap(page, 'offline');
    await page.unroute('**/api/v1/**');
    await expect(page.getByTestId('stale-banner')).toBeHidden({ timeout: 20_000 });
    await expect(page.getByRole('button', { name: 'Delete', exact: true })).toBeEnabled();
  });

  await test.step('delete it, typing its name to confirm', async () => {
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Delete ${NAME}` });
    const confirm = dialog.getByRole('button', { name: `Delete ${NAME}` });
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel('Database name to confirm').fill(NAME);
    await snap(page, 'delete-confirm');
    await confirm.click();
    await expect(page.getByRole('heading', { name: 'Databases' })).toBeVisible();
    // The delete is an operation: it may wait behind one still running on the database.
    await expect
      .poll(
        async () => {
          const badge = page.getByTestId(`status-${NAME}`);
          return (await badge.count()) === 0 ? 'gone' : await badge.getAttribute('data-status');
        },
        { timeout: 90_000 },
      )
      .toMatch(/gone|DELETING|DELETED/)
      .catch(async (error: unknown) => {
        // Say what the operations were doing, so that a failure explains itself.
        await goTo(page, 'Operations');
        const history = await page
          .getByRole('table', { name: 'History' })
          .innerText({ timeout: 5_000 })
          .catch(() => '(no operations table)');
        throw new Error(`${String(error)}\noperations:\n${history}`);
      });
  });
});
