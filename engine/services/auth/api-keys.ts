import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EngineError, NotFoundError } from '../../base/errors';
import { CreateApiKeyRequestSchema, LIMITS, type ApiKey, type RoleBinding } from '../../domain';
import type { Page, PageRequest } from '../../store';
import type { ServiceContext } from '../context';
import { parseInput } from '../validation';
import {
  DESKTOP_PRINCIPAL,
  forbidden,
  narrowBindings,
  roleAtLeast,
  unauthenticated,
  type Grant,
  type Principal,
} from './access';
import { revokedBefore } from './revocation';

/** How long keys live and how many one user may hold (config; API.md-style defaults and maxima). */
export interface ApiKeyOptions {
  /** Days a key lives when the request names none. Default 90. */
  lifetimeDays?: number;
  /** The most days a request may ask for; also the age at which a key with no expiry ends. Default 365. */
  maxLifetimeDays?: number;
  /** Unexpired keys per user. Default 20. */
  perUser?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** An API key as the API shows it: never its hash. */
export type PublicApiKey = Omit<ApiKey, 'hash'>;

/** `POST /api-keys` answers the key itself once, with its record. */
export type CreatedApiKey = PublicApiKey & { key: string };

const KEY_FORMAT = /^dbaas_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
/** `lastUsedAt` is written at most this often, so that a busy key does not write on every call. */
const LAST_USED_RESOLUTION_MS = 60_000;

function hashKey(key: string): Buffer {
  // SHA-256 suffices: the key carries 256 random bits, so there is nothing to guess or crack.
  return createHash('sha256').update(key, 'utf8').digest();
}

export function toPublicApiKey(key: ApiKey): PublicApiKey {
  const { hash: _hash, ...rest } = key;
  return rest;
}

/** A binding the caller holds covers the requested one (same or wider scope, same or higher role). */
function covers(held: RoleBinding, wanted: RoleBinding): boolean {
  if (!roleAtLeast(held.role, wanted.role)) return false;
  if (held.domain === undefined) return true;
  if (held.domain !== wanted.domain) return false;
  return held.project === undefined || held.project === wanted.project;
}

/** API keys for scripts: `dbaas_<prefix>_<secret>`, shown once, stored as a hash, revocable. */
export class ApiKeyService {
  private readonly lifetimeDays: number;
  private readonly maxLifetimeDays: number;
  private readonly perUser: number;

  constructor(
    private readonly context: ServiceContext,
    options: ApiKeyOptions = {},
  ) {
    this.maxLifetimeDays = options.maxLifetimeDays ?? LIMITS.apiKeyLifetimeDays.max;
    this.lifetimeDays = Math.min(
      options.lifetimeDays ?? LIMITS.apiKeyLifetimeDays.default,
      this.maxLifetimeDays,
    );
    this.perUser = options.perUser ?? LIMITS.apiKeysPerUser.default;
  }

  /**
   * A key never grants more than its creator holds; keys cannot mint keys. Every key expires
   * (`expiresInDays`, default 90, at most 365), and a user holds at most 20 unexpired keys.
   */
  async create(input: unknown, principal: Principal): Promise<CreatedApiKey> {
    const request = parseInput(CreateApiKeyRequestSchema, input);
    if (principal.kind === 'api-key')
      throw forbidden('an API key cannot create API keys; sign in as a user');
    const binding: RoleBinding = {
      role: request.role,
      domain: request.domain,
      project: request.project,
    };
    if (!principal.bindings.some((held) => covers(held, binding))) {
      throw forbidden('an API key cannot have a role or scope beyond your own bindings');
    }
    const days = request.expiresInDays ?? this.lifetimeDays;
    if (days > this.maxLifetimeDays) {
      const message = `expiresInDays must be at most ${this.maxLifetimeDays} (the API key lifetime limit)`;
      throw new EngineError('LIMIT_EXCEEDED', message, {
        details: [{ path: 'expiresInDays', rule: 'limit', message }],
      });
    }
    const prefix = randomBytes(6).toString('hex');
    const key = `dbaas_${prefix}_${randomBytes(32).toString('base64url')}`;
    const createdBy = principal.userId ?? principal.id;
    const nowDate = this.context.now();
    const now = nowDate.toISOString();
    // Count and insert together, so that parallel requests cannot pass the cap (SQLite; MongoDB is best-effort).
    const stored = await this.context.store.transaction(async (store) => {
      if ((await store.apiKeys.countActiveByCreator(createdBy, now)) >= this.perUser) {
        const message = `you already hold ${this.perUser} unexpired API keys, the most allowed; revoke one first`;
        throw new EngineError('LIMIT_EXCEEDED', message, {
          details: [{ path: '(body)', rule: 'limit', message }],
        });
      }
      return store.apiKeys.create({
        id: this.context.newId(),
        name: request.name,
        prefix,
        hash: hashKey(key).toString('hex'),
        binding: Object.fromEntries(
          Object.entries(binding).filter(([, v]) => v !== undefined),
        ) as RoleBinding,
        createdBy,
        lastUsedAt: null,
        expiresAt: new Date(nowDate.getTime() + days * DAY_MS).toISOString(),
        revision: 1,
        createdAt: now,
        updatedAt: now,
      });
    });
    return { ...toPublicApiKey(stored), key };
  }

  /** The caller's own keys; a global admin sees every key. */
  async list(principal: Principal, grant: Grant, page: PageRequest): Promise<Page<PublicApiKey>> {
    const filter = grant.has('admin') ? {} : { createdBy: principal.userId ?? principal.id };
    const result = await this.context.store.apiKeys.list(filter, page);
    return { items: result.items.map(toPublicApiKey), nextCursor: result.nextCursor };
  }

  /** Revokes (deletes) a key; another user's key is a 404 unless the caller is a global admin. */
  async remove(id: string, principal: Principal, grant: Grant): Promise<void> {
    const key = await this.context.store.apiKeys.find(id);
    if (!key || (!grant.has('admin') && key.createdBy !== (principal.userId ?? principal.id))) {
      throw new NotFoundError('API key', id);
    }
    await this.context.store.apiKeys.delete(id);
  }

  /** The principal of an `X-API-Key`, or `UNAUTHENTICATED`. */
  async authenticate(key: string): Promise<Principal> {
    const match = KEY_FORMAT.exec(key);
    if (!match) throw unauthenticated('the API key is invalid or revoked');
    const presented = hashKey(key);
    const candidates = await this.context.store.apiKeys.findByPrefix(match[1]!);
    const found = candidates.find((candidate) => {
      const stored = Buffer.from(candidate.hash, 'hex');
      return stored.length === presented.length && timingSafeEqual(stored, presented);
    });
    const now = this.context.now();
    if (!found || this.expiresAtMs(found) <= now.getTime()) {
      throw unauthenticated('the API key is invalid or revoked');
    }
    const bindings = await this.currentBindings(found);
    if (!bindings) throw unauthenticated('the API key is invalid or revoked');
    await this.touch(found, now);
    return {
      kind: 'api-key',
      id: found.id,
      actor: `apikey:${found.id}`,
      bindings,
      userId: found.createdBy,
    };
  }

  /** Keys created before expiries existed end `maxLifetimeDays` after their creation. */
  private expiresAtMs(key: ApiKey): number {
    return key.expiresAt !== null
      ? Date.parse(key.expiresAt)
      : Date.parse(key.createdAt) + this.maxLifetimeDays * DAY_MS;
  }

  /**
   * What the key may do now: its binding narrowed to what its creator still holds (re-read on
   * every request), or null when the creator is gone or disabled, or revoked every session after
   * the key was made.
   */
  private async currentBindings(key: ApiKey): Promise<RoleBinding[] | null> {
    if (key.createdBy === DESKTOP_PRINCIPAL.id)
      return narrowBindings(key.binding, DESKTOP_PRINCIPAL.bindings);
    const creator = await this.context.store.users.find(key.createdBy);
    if (!creator || creator.disabled) return null;
    const revoked = await revokedBefore(this.context.store, creator.id);
    if (revoked !== undefined && Date.parse(key.createdAt) < revoked) return null;
    return narrowBindings(key.binding, creator.bindings);
  }

  private async touch(key: ApiKey, now: Date): Promise<void> {
    if (
      key.lastUsedAt !== null &&
      now.getTime() - Date.parse(key.lastUsedAt) < LAST_USED_RESOLUTION_MS
    )
      return;
    try {
      await this.context.store.apiKeys.update({
        ...key,
        lastUsedAt: now.toISOString(),
        updatedAt: now.toISOString(),
      });
    } catch (error) {
      // A concurrent use already wrote it (or the key was just revoked); the call itself may proceed.
      this.context.logger.debug({ err: error, apiKeyId: key.id }, 'lastUsedAt not updated');
    }
  }
}
