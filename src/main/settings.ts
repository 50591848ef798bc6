import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Vault } from '../../engine/engine';
import { MASKED_PASSWORD, type DesktopSettings } from '../shared/ipc';

/** The embedded engine on SQLite, no shared Redis: what a fresh install runs. */
export const DEFAULT_SETTINGS: DesktopSettings = Object.freeze({
  store: 'sqlite',
  mongodbUrl: '',
  redisUrl: '',
  attachRemote: false,
  remoteDaemonUrl: '',
});

/** One problem with submitted settings: the field, the rule it broke, and a sentence. */
export interface SettingsProblem {
  path: string;
  rule: string;
  message: string;
}

const url = z.string().trim().max(2048);
const SettingsShape = z
  .object({
    store: z.enum(['sqlite', 'mongodb']),
    mongodbUrl: url,
    redisUrl: url,
    attachRemote: z.boolean(),
    remoteDaemonUrl: url,
  })
  .strict();

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Checks settings sent by the page (untrusted). Every problem names its field and rule; the values
 * themselves are never echoed, since URLs may carry passwords.
 */
export function validateSettings(
  input: unknown,
): { ok: true; value: DesktopSettings } | { ok: false; problems: SettingsProblem[] } {
  const parsed = SettingsShape.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => ({
        path: issue.path.join('.') || '(settings)',
        rule: issue.code,
        message: issue.message,
      })),
    };
  }
  const value = parsed.data;
  const problems: SettingsProblem[] = [];
  if (value.store === 'mongodb' && value.mongodbUrl === '')
    problems.push(
      problem('mongodbUrl', 'required', 'a MongoDB URL is needed for the MongoDB store'),
    );
  if (value.mongodbUrl !== '' && !/^mongodb(\+srv)?:\/\/[^/?#]+/.test(value.mongodbUrl))
    problems.push(
      problem('mongodbUrl', 'protocol', 'must be a mongodb:// or mongodb+srv:// URL with a host'),
    );
  if (value.redisUrl !== '' && !/^rediss?:\/\/[^/?#]+/.test(value.redisUrl))
    problems.push(
      problem('redisUrl', 'protocol', 'must be a redis:// or rediss:// URL with a host'),
    );
  if (value.attachRemote && value.remoteDaemonUrl === '')
    problems.push(
      problem('remoteDaemonUrl', 'required', 'a daemon URL is needed to attach to a daemon'),
    );
  if (value.remoteDaemonUrl !== '') problems.push(...daemonUrlProblems(value.remoteDaemonUrl));
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: { ...value, remoteDaemonUrl: value.remoteDaemonUrl.replace(/\/+$/, '') },
  };
}

function daemonUrlProblems(text: string): SettingsProblem[] {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return [problem('remoteDaemonUrl', 'url', 'must be a URL such as https://dbaas.example.com')];
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    return [problem('remoteDaemonUrl', 'protocol', 'must be an https:// URL')];
  const problems: SettingsProblem[] = [];
  if (parsed.username !== '' || parsed.password !== '')
    problems.push(
      problem(
        'remoteDaemonUrl',
        'no-credentials',
        'must not carry a user or password; sign in instead',
      ),
    );
  if (parsed.protocol === 'http:' && !LOOPBACK.has(parsed.hostname))
    problems.push(
      problem(
        'remoteDaemonUrl',
        'https',
        'must use https: passwords and tokens would cross the network in clear (http is allowed for this computer only)',
      ),
    );
  if (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '')
    problems.push(
      problem('remoteDaemonUrl', 'origin', 'must be the daemon origin, without a path'),
    );
  return problems;
}

function problem(path: string, rule: string, message: string): SettingsProblem {
  return { path, rule, message };
}

// `scheme://user:password@rest`; a password never holds a raw '@' or '/' (they are percent-encoded).
const CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)([^@/]*)(@.*)$/i;

/** The URL with its password replaced by the mask; unchanged when it has none. */
export function maskUrl(text: string): string {
  const match = CREDENTIALS.exec(text);
  return match && match[2] !== '' ? `${match[1]}${MASKED_PASSWORD}${match[3]}` : text;
}

/** A submitted URL whose password is the mask gets the stored URL's password back. */
function restorePassword(submitted: string, stored: string): string {
  const match = CREDENTIALS.exec(submitted);
  if (!match || match[2] !== MASKED_PASSWORD) return submitted;
  const password = CREDENTIALS.exec(stored)?.[2];
  return password ? `${match[1]}${password}${match[3]}` : submitted;
}

/** Replaces every secret (whole URLs and their passwords) in a message by the mask. */
export function redactSecrets(message: string, settings: DesktopSettings): string {
  let text = message;
  for (const secret of [settings.mongodbUrl, settings.redisUrl]) {
    if (secret === '') continue;
    text = text.split(secret).join(maskUrl(secret));
    const password = CREDENTIALS.exec(secret)?.[2];
    if (password && password.length >= 3) text = text.split(password).join(MASKED_PASSWORD);
  }
  return text;
}

const URL_REFS = {
  mongodbUrl: { kind: 'connection-url', id: 'mongodb' },
  redisUrl: { kind: 'connection-url', id: 'redis' },
} as const;

/** The settings file: everything but the URLs of the store and Redis, which live in the vault. */
const SettingsFile = z.object({
  version: z.literal(1),
  store: z.enum(['sqlite', 'mongodb']),
  attachRemote: z.boolean(),
  remoteDaemonUrl: z.string(),
  hasMongodbUrl: z.boolean(),
  hasRedisUrl: z.boolean(),
});

/**
 * The desktop's saved settings. The MongoDB and Redis URLs (which may carry passwords) are kept in
 * the vault — the OS keychain on a desktop — and the rest in a small JSON file beside it.
 */
export class SettingsStore {
  private constructor(
    private readonly file: string,
    private readonly vault: Vault,
    private settings: DesktopSettings,
  ) {}

  /** Reads the saved settings; a missing file means the defaults. */
  static async open(file: string, vault: Vault): Promise<SettingsStore> {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return new SettingsStore(file, vault, { ...DEFAULT_SETTINGS });
    }
    const saved = SettingsFile.safeParse(JSON.parse(text) as unknown);
    if (!saved.success)
      throw new Error(`the settings file ${file} is not valid; remove it to start afresh`);
    const read = async (has: boolean, key: keyof typeof URL_REFS): Promise<string> =>
      has ? vault.get(URL_REFS[key]) : '';
    return new SettingsStore(file, vault, {
      store: saved.data.store,
      attachRemote: saved.data.attachRemote,
      remoteDaemonUrl: saved.data.remoteDaemonUrl,
      mongodbUrl: await read(saved.data.hasMongodbUrl, 'mongodbUrl'),
      redisUrl: await read(saved.data.hasRedisUrl, 'redisUrl'),
    });
  }

  /** The settings with their secrets, for main only. */
  current(): DesktopSettings {
    return { ...this.settings };
  }

  /** The settings as the page may see them: passwords masked. */
  masked(): DesktopSettings {
    return {
      ...this.settings,
      mongodbUrl: maskUrl(this.settings.mongodbUrl),
      redisUrl: maskUrl(this.settings.redisUrl),
    };
  }

  /** Submitted settings with masked passwords replaced by the stored ones. */
  unmask(submitted: DesktopSettings): DesktopSettings {
    return {
      ...submitted,
      mongodbUrl: restorePassword(submitted.mongodbUrl, this.settings.mongodbUrl),
      redisUrl: restorePassword(submitted.redisUrl, this.settings.redisUrl),
    };
  }

  /** Saves: the URLs into the vault first, then the file in one rename, so a crash leaves the old file. */
  async save(next: DesktopSettings): Promise<void> {
    for (const key of ['mongodbUrl', 'redisUrl'] as const) {
      if (next[key] === '') await this.vault.delete(URL_REFS[key]);
      else await this.vault.put(URL_REFS[key], next[key]);
    }
    const body: z.infer<typeof SettingsFile> = {
      version: 1,
      store: next.store,
      attachRemote: next.attachRemote,
      remoteDaemonUrl: next.remoteDaemonUrl,
      hasMongodbUrl: next.mongodbUrl !== '',
      hasRedisUrl: next.redisUrl !== '',
    };
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.file);
    this.settings = { ...next };
  }
}
