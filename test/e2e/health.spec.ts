import { expect, test } from '@playwright/test';
import { goTo, readInfo, signIn, snap } from './support';

test('the console loaded from the daemon signs in and shows the engine as healthy', async ({
  page,
}) => {
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  await signIn(page, readInfo());
  await expect(page.getByRole('heading', { name: 'KubeDB DBaaS Console' })).toBeVisible();
  await goTo(page, 'Settings');
  await expect(page.getByTestId('engine-status')).toHaveText('Healthy');
  await expect(page.getByTestId('engine-ready')).toHaveText('Ready');
  await snap(page, 'settings');
  expect(consoleErrors).toEqual([]);
});
