import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config';
import { openSecretVault, type Vault } from '../../engine/engine';
import {
  DEFAULT_SETTINGS,
  SettingsStore,
  maskUrl,
  redactSecrets,
  validateSettings,
} from './settings';

const MONGO = 'mongodb://dbaas:s3cret-pass@db1:27017,db2:27017/dbaas?replicaSet=rs0';
const REDIS = 'redis://:r3dis-pass@cache:6379/0';

describe('validateSettings', () => {
  it('accepts the defaults and trims a trailing slash from the daemon URL', () => {
    expect(validateSettings(DEFAULT_SETTINGS)).toEqual({ ok: true, value: DEFAULT_SETTINGS });
    const remote = validateSettings({
      ...DEFAULT_SETTINGS,
      attachRemote: true,
      remoteDaemonUrl: 'https://dbaas.example.com/',
    });
    expect(remote).toMatchObject({
      ok: true,
      value: { remoteDaemonUrl: 'https://dbaas.example.com' },
    });
  });

  it('accepts a multi-host MongoDB URL and a Redis URL with a password', () => {
    expect(
      validateSettings({
        ...DEFAULT_SETTINGS,
        store: 'mongodb',
        mongodbUrl: MONGO,
        redisUrl: REDIS,
      }),
    ).toMatchObject({ ok: true });
  });

  it.each([
    [{ store: 'mongodb' }, 'mongodbUrl', 'required'],
    [{ mongodbUrl: 'postgres://x' }, 'mongodbUrl', 'protocol'],
    [{ redisUrl: 'http://cache:6379' }, 'redisUrl', 'protocol'],
    [{ attachRemote: true }, 'remoteDaemonUrl', 'required'],
    [{ remoteDaemonUrl: 'not a url' }, 'remoteDaemonUrl', 'url'],
    [{ remoteDaemonUrl: 'ftp://dbaas.example.com' }, 'remoteDaemonUrl', 'protocol'],
    [
      { remoteDaemonUrl: 'https://admin:pw@dbaas.example.com' },
      'remoteDaemonUrl',
      'no-credentials',
    ],
    [{ remoteDaemonUrl: 'http://dbaas.example.com' }, 'remoteDaemonUrl', 'https'],
    [{ remoteDaemonUrl: 'https://dbaas.example.com/console' }, 'remoteDaemonUrl', 'origin'],
    [{ store: 'postgres' }, 'store', 'invalid_value'],
    [{ attachRemote: 'yes' }, 'attachRemote', 'invalid_type'],
    [{ extra: 1 }, '(settings)', 'unrecognized_keys'],
  ])('refuses %j naming %s and the rule %s', (patch, path, rule) => {
    const result = validateSettings({ ...DEFAULT_SETTINGS, ...patch });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toContainEqual(
      expect.objectContaining({ path, rule }),
    );
  });

  it('allows plain http only for a daemon on this computer', () => {
    for (const url of ['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080'])
      expect(validateSettings({ ...DEFAULT_SETTINGS, remoteDaemonUrl: url }).ok).toBe(true);
  });

  it('never echoes a submitted URL in its problems', () => {
    const result = validateSettings({ ...DEFAULT_SETTINGS, redisUrl: 'http://:leaky-pass@cache' });
    expect(JSON.stringify(result)).not.toContain('leaky-pass');
  });
});

describe('masking', () => {
  it('masks the password of a URL and leaves URLs without one alone', () => {
    expect(maskUrl(MONGO)).toBe('mongodb://dbaas:****@db1:27017,db2:27017/dbaas?replicaSet=rs0');
    expect(maskUrl(REDIS)).toBe('redis://:****@cache:6379/0');
    expect(maskUrl('redis://cache:6379')).toBe('redis://cache:6379');
    expect(maskUrl('')).toBe('');
  });

  it('removes whole URLs and passwords from messages', () => {
    const settings = { ...DEFAULT_SETTINGS, mongodbUrl: MONGO, redisUrl: REDIS };
    const text = redactSecrets(`connect ${MONGO} failed; auth r3dis-pass refused`, settings);
    expect(text).not.toContain('s3cret-pass');
    expect(text).not.toContain('r3dis-pass');
    expect(text).toContain('mongodb://dbaas:****@db1');
  });
});

describe('SettingsStore (with the file vault standing in for the keychain)', () => {
  let dir: string;
  let vault: Vault;
  const file = (): string => join(dir, 'settings.json');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'settings-'));
    vault = await openSecretVault(loadConfig({}, { dataDir: join(dir, 'vault'), vault: 'file' }));
  });
  afterEach(async () => {
    await vault.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts from the defaults when nothing was saved', async () => {
    const store = await SettingsStore.open(file(), vault);
    expect(store.current()).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps the URLs in the vault and the rest in the file, and reads both back', async () => {
    const store = await SettingsStore.open(file(), vault);
    const saved = {
      ...DEFAULT_SETTINGS,
      store: 'mongodb' as const,
      mongodbUrl: MONGO,
      redisUrl: REDIS,
    };
    await store.save(saved);
    const text = readFileSync(file(), 'utf8');
    expect(text).not.toContain('s3cret-pass');
    expect(text).not.toContain('cache:6379');
    expect(JSON.parse(text)).toMatchObject({
      store: 'mongodb',
      hasMongodbUrl: true,
      hasRedisUrl: true,
    });
    expect(await vault.list('connection-url/')).toHaveLength(2);

    const reopened = await SettingsStore.open(file(), vault);
    expect(reopened.current()).toEqual(saved);
    expect(reopened.masked()).toMatchObject({
      mongodbUrl: maskUrl(MONGO),
      redisUrl: maskUrl(REDIS),
    });
  });

  it('gives a masked password back its stored value, and takes a new one as typed', async () => {
    const store = await SettingsStore.open(file(), vault);
    await store.save({ ...DEFAULT_SETTINGS, redisUrl: REDIS });
    expect(
      store.unmask({ ...DEFAULT_SETTINGS, redisUrl: 'redis://:****@cache2:6379/0' }).redisUrl,
    ).toBe('redis://:r3dis-pass@cache2:6379/0');
    expect(
      store.unmask({ ...DEFAULT_SETTINGS, redisUrl: 'redis://:new@cache:6379' }).redisUrl,
    ).toBe('redis://:new@cache:6379');
  });

  it('removes a URL from the vault when it is cleared', async () => {
    const store = await SettingsStore.open(file(), vault);
    await store.save({ ...DEFAULT_SETTINGS, redisUrl: REDIS });
    await store.save(DEFAULT_SETTINGS);
    expect(await vault.list('connection-url/')).toEqual([]);
    expect((await SettingsStore.open(file(), vault)).current()).toEqual(DEFAULT_SETTINGS);
  });
});
