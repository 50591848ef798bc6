import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.store).toBe('sqlite');
    expect(config.vault).toBe('file');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads environment variables and lets explicit overrides win', () => {
    const config = loadConfig({ DBAAS_PORT: '9000', DBAAS_HOST: '0.0.0.0' }, { port: 9100 });
    expect(config.port).toBe(9100);
    expect(config.host).toBe('0.0.0.0');
  });

  it('defaults the desktop to the OS keychain vault', () => {
    expect(loadConfig({}, { mode: 'desktop' }).vault).toBe('keytar');
  });

  it('names the field and variable of a bad value without echoing it', () => {
    let caught: unknown;
    try {
      loadConfig({ DBAAS_PORT: '99999', MONGODB_URL: 'not a url with secret-pass' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect(message).toContain('port (DBAAS_PORT)');
    expect(message).toContain('mongodbUrl (MONGODB_URL)');
    expect(message).not.toContain('secret-pass');
  });

  it('requires a MongoDB URL when the store is mongodb', () => {
    expect(() => loadConfig({ DBAAS_STORE: 'mongodb' })).toThrow(/MONGODB_URL/);
  });

  it('keeps the vault in the shared store with mongodb, and then needs the shared vault key', () => {
    const env = { DBAAS_STORE: 'mongodb', MONGODB_URL: 'mongodb://127.0.0.1:1/x' };
    expect(() => loadConfig(env)).toThrow(/vaultKey \(DBAAS_VAULT_KEY\): required/);
    expect(loadConfig({ ...env, DBAAS_VAULT_KEY: 'a'.repeat(64) }).vault).toBe('store');
    expect(loadConfig({ ...env, DBAAS_VAULT: 'file' }).vault).toBe('file');
  });
});
