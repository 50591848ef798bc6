import { mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';

test('the console loaded from the daemon shows the engine as healthy', async ({ page }) => {
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  await expect(page.getByRole('heading', { name: 'KubeDB DBaaS Console' })).toBeVisible();
  await expect(page.getByTestId('engine-status')).toHaveText('Healthy');
  await expect(page.getByTestId('engine-ready')).toHaveText('Ready');
  mkdirSync('artifacts/screenshots', { recursive: true });
  await page.screenshot({ path: 'artifacts/screenshots/health.png', fullPage: true });
  expect(consoleErrors).toEqual([]);
});
