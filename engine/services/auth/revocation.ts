import type { Store } from '../../store';

/** The meta key holding when every session of a user was last ended. */
const REVOKED_PREFIX = 'auth.revoked-before.';

/**
 * When every credential of the user issued before was revoked (epoch ms), or undefined. Access
 * tokens issued and API keys created before this time are refused, even one created by a request
 * that was already under way when the revocation happened.
 */
export async function revokedBefore(store: Store, userId: string): Promise<number | undefined> {
  const entry = await store.meta.get(`${REVOKED_PREFIX}${userId}`);
  const at = (entry?.value as { at?: unknown } | undefined)?.at;
  return typeof at === 'number' ? at : undefined;
}

/**
 * Ends every credential of the user: the marker first (so nothing issued before it passes from
 * now on), then the refresh tokens and the API keys themselves.
 */
export async function revokeAllCredentials(
  store: Store,
  userId: string,
  now: Date,
): Promise<{ refreshTokens: number; apiKeys: number }> {
  await store.meta.put(`${REVOKED_PREFIX}${userId}`, { at: now.getTime() });
  const refreshTokens = await store.refreshTokens.revokeAllForUser(userId, now.toISOString());
  const apiKeys = await store.apiKeys.deleteByCreator(userId);
  return { refreshTokens, apiKeys };
}
