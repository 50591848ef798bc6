import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../logging';
import { buildApi } from '../app';
import { defineRoute, PageQuerySchema } from '../route-table';

/** Store-like cursors: base64url of a position, as the adapters make them. */
const position = (n: number) => Buffer.from(JSON.stringify([n, `id-${n}`])).toString('base64url');

/** Two public list routes over 0..9 whose store cursors are plain positions; `seen` gets what reached the handler. */
async function build(key: Buffer, seen: (string | undefined)[] = []) {
  const list = (url: string) =>
    defineRoute({
      method: 'GET',
      url,
      permission: 'public',
      summary: 'list',
      query: PageQuerySchema.extend({ q: z.string().optional() }),
      handler: async ({ query }) => {
        seen.push(query.cursor);
        const from = query.cursor
          ? (JSON.parse(Buffer.from(query.cursor, 'base64url').toString()) as [number])[0] + 1
          : 0;
        const limit = query.limit ?? 3;
        const items = Array.from(
          { length: Math.max(0, Math.min(limit, 10 - from)) },
          (_, i) => from + i,
        );
        const last = items.at(-1);
        return { items, nextCursor: last !== undefined && last < 9 ? position(last) : null };
      },
    });
  return buildApi({
    logger: createLogger('silent'),
    health: {
      version: '1',
      mode: 'daemon',
      startedAt: 0,
      now: () => 0,
      probes: [],
      role: () => 'leader',
    },
    routes: [list('/api/v1/things'), list('/api/v1/others')],
    cursorKey: async () => key,
  });
}

const get = async (app: Awaited<ReturnType<typeof build>>, url: string) => {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() };
};

describe('signed list cursors', () => {
  it('signs every nextCursor and hands the handler the store cursor inside', async () => {
    const seen: (string | undefined)[] = [];
    const app = await build(randomBytes(32), seen);
    const items: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(
        app,
        `/api/v1/things${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      items.push(...(page.body.items as number[]));
      cursor = page.body.nextCursor as string | null;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    } while (cursor);
    expect(items).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen).toEqual([undefined, position(2), position(5), position(8)]);
    await app.close();
  });

  it('refuses forged, garbled, tampered and foreign cursors with a 400 naming cursor', async () => {
    const app = await build(randomBytes(32));
    const first = await get(app, '/api/v1/things');
    const signed = first.body.nextCursor as string;
    const other = await build(randomBytes(32));
    const foreign = (await get(other, '/api/v1/things')).body.nextCursor as string;
    const [inner] = signed.split('.');
    const forged = [
      // "[0, ""]": start at the beginning — what the security review forged.
      'WzAsIiJd',
      `${position(0)}.${'A'.repeat(22)}`,
      `${inner}x.${signed.split('.')[1]}`,
      `${signed}A`,
      '.',
      '%00',
      foreign,
    ];
    for (const cursor of forged) {
      const answer = await get(app, `/api/v1/things?cursor=${encodeURIComponent(cursor)}`);
      expect(answer.status, cursor).toBe(400);
      expect(answer.body.error).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [{ path: 'cursor', rule: 'cursor' }],
      });
    }
    // A cursor is good for its own list only.
    expect((await get(app, `/api/v1/others?cursor=${encodeURIComponent(signed)}`)).status).toBe(
      400,
    );
    expect((await get(app, '/api/v1/things?cursor=a&cursor=b')).status).toBe(400);
    await app.close();
    await other.close();
  });

  it('accepts a cursor from another replica with the same key', async () => {
    const key = randomBytes(32);
    const one = await build(key);
    const two = await build(key);
    const cursor = (await get(one, '/api/v1/things')).body.nextCursor as string;
    const next = await get(two, `/api/v1/things?cursor=${encodeURIComponent(cursor)}`);
    expect(next).toMatchObject({ status: 200, body: { items: [3, 4, 5] } });
    await one.close();
    await two.close();
  });
});
