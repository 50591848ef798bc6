import { defineConfig } from '@playwright/test';

// Playwright drives Debian's Chromium (its own browser download cannot run here) against the
// daemon plus two simulated clusters, started by scripts/e2e-server.ts; the daemon serves the
// renderer built by `npx electron-vite build`. The server writes what the tests need (URLs,
// kubeconfigs, the admin password) to E2E_INFO_FILE.
const port = Number(process.env.E2E_PORT ?? 18437);
const dataDir = process.env.E2E_DATA_DIR ?? '.data/e2e';
process.env.E2E_INFO_FILE ??= 'test-results/e2e-env.json';

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/e2e',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    viewport: { width: 1400, height: 900 },
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
  // One daemon serves every spec, in turn. The console spec starts from an empty engine ("Nothing
  // here yet", one database in the fleet); the backups spec registers a cluster and a database of
  // its own, so it runs after the others (`--no-deps` runs it alone).
  projects: [
    { name: 'console', testIgnore: /backups\.spec\.ts$/ },
    { name: 'backups', testMatch: /backups\.spec\.ts$/, dependencies: ['console'] },
  ],
  webServer: {
    command: `node --import tsx scripts/e2e-server.ts --port ${port} --data-dir ${dataDir} --info-file ${process.env.E2E_INFO_FILE}`,
    url: `http://127.0.0.1:${port}/api/v1/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
