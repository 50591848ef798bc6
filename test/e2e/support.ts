/** What the e2e specs share: the server's info file, signing in, and screenshots. */
import { mkdirSync, readFileSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';

/** Written by scripts/e2e-server.ts. */
export interface E2eInfo {
  url: string;
  adminPassword: string;
  clusters: { name: string; url: string; kubeconfig: string }[];
}

export function readInfo(): E2eInfo {
  return JSON.parse(
    readFileSync(process.env.E2E_INFO_FILE ?? 'test-results/e2e-env.json', 'utf8'),
  ) as E2eInfo;
}

export const SCREENSHOTS = 'artifacts/screenshots';

/** Saves a full-page screenshot as artifacts/screenshots/<name>.png. */
export async function snap(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

/** Opens the console and signs in as admin. */
export async function signIn(page: Page, info: E2eInfo): Promise<void> {
  await page.goto('/');
  await expect(
    page.getByRole('heading', { name: 'Sign in to the KubeDB DBaaS Console' }),
  ).toBeVisible();
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(info.adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-user')).toHaveText('admin');
}

/** Follows a link of the main navigation. */
export async function goTo(page: Page, name: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name, exact: true })
    .click();
}
