import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config';
import { createEngine } from '../../engine/engine';
import { createLogger } from '../../engine/logging';

/** The first start creates `admin`; a generated password is handed out once, never logged. */
describe('the first start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dbaas-bootstrap-'));
  const logs: string[] = [];
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(chunk.toString());
        callback();
      },
    }),
  );

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function start() {
    const shown: string[] = [];
    const engine = await createEngine(loadConfig({}, { dataDir, vault: 'file', port: 0 }), {
      logger,
      onGeneratedAdminPassword: (password) => shown.push(password),
    });
    await engine.start();
    return { engine, shown };
  }

  it('generates the admin password once, hands it out, and never logs it', async () => {
    const first = await start();
    expect(first.shown).toHaveLength(1);
    const password = first.shown[0]!;
    expect(password.length).toBeGreaterThanOrEqual(20);
    const login = await first.engine.api.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password },
    });
    expect(login.statusCode).toBe(200);
    await first.engine.stop();

    const second = await start();
    expect(second.shown).toEqual([]);
    const again = await second.engine.api.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password },
    });
    expect(again.statusCode).toBe(200);
    await second.engine.stop();
    expect(logs.join('')).not.toContain(password);
    expect(logs.join('')).toContain('created the first admin user');
  });
});
