import { defineConfig } from '@playwright/test';

// Playwright drives Debian's Chromium (its own browser download cannot run here) against the
// daemon, which serves the built renderer. npm test picks the port and data dir.
const port = Number(process.env.E2E_PORT ?? 18437);
const dataDir = process.env.E2E_DATA_DIR ?? '.data/e2e';

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/e2e',
  timeout: 60_000,
  workers: 1,
  retries: 0,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
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
  webServer: {
    command: `node out/daemon/daemon.mjs --port ${port} --data-dir ${dataDir}`,
    url: `http://127.0.0.1:${port}/api/v1/health`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
