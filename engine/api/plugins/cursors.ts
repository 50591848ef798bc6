import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../../base/errors';

/** Where the key comes from: derived from the token key, so every replica signs alike. */
export type CursorKeySource = () => Promise<Buffer>;

const BAD_CURSOR = (): ValidationError =>
  new ValidationError('the cursor is invalid', [
    {
      path: 'cursor',
      rule: 'cursor',
      message: 'cursor must be a nextCursor returned by this list',
    },
  ]);

/** 128 bits of HMAC-SHA256, base64url: enough against forgery, short in a URL. */
function mac(key: Buffer, scope: string, cursor: string): string {
  return createHmac('sha256', key)
    .update(`${scope}\n${cursor}`, 'utf8')
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

/** Signs and checks list cursors; `scope` is the list's route, so a cursor works on its own list only. */
export class CursorSigner {
  constructor(private readonly key: CursorKeySource) {}

  async seal(scope: string, cursor: string): Promise<string> {
    return `${cursor}.${mac(await this.key(), scope, cursor)}`;
  }

  /** The store's cursor inside a signed one; a 400 naming `cursor` for anything forged or garbled. */
  async open(scope: string, sealed: string): Promise<string> {
    const dot = sealed.lastIndexOf('.');
    if (dot <= 0) throw BAD_CURSOR();
    const cursor = sealed.slice(0, dot);
    const given = Buffer.from(sealed.slice(dot + 1), 'utf8');
    const expected = Buffer.from(mac(await this.key(), scope, cursor), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw BAD_CURSOR();
    return cursor;
  }
}

function scopeOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? ''}`;
}

/**
 * Every list's `nextCursor` leaves signed and every `?cursor=` must come back signed: a client can
 * follow the cursors it was given, never make one up (a forged cursor used to read the first page of
 * a bulk list as if it were a later one). Without a key source, a random key per process is used
 * (tests); the engine derives its key from the token key, which replicas share.
 */
export function registerCursorSigning(app: FastifyInstance, key?: CursorKeySource): CursorSigner {
  const fallback = randomBytes(32);
  const signer = new CursorSigner(key ?? (async () => fallback));
  app.addHook('preValidation', async (request) => {
    const query = request.query as Record<string, unknown> | undefined;
    const cursor = query?.cursor;
    if (query === undefined || cursor === undefined || cursor === '') return;
    if (typeof cursor !== 'string') throw BAD_CURSOR();
    query.cursor = await signer.open(scopeOf(request), cursor);
  });
  app.addHook('preSerialization', async (request, _reply, payload: unknown) => {
    if (typeof payload !== 'object' || payload === null || !('nextCursor' in payload))
      return payload;
    const next = payload.nextCursor;
    if (typeof next !== 'string') return payload;
    return { ...payload, nextCursor: await signer.seal(scopeOf(request), next) };
  });
  return signer;
}
