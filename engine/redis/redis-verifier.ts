import {
  VerificationError,
  parseRedisCommand,
  summarize,
  type DataEndpoint,
  type DataVerifier,
} from '../dataplane';
import { closeRedisClient, createRedisClient } from './connection';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One short-lived client: no offline queue, no retries, bounded connect and commands. */
async function withClient<T>(
  endpoint: DataEndpoint,
  use: (run: (words: string[]) => Promise<unknown>) => Promise<T>,
): Promise<T> {
  const user = endpoint.username && endpoint.username !== 'default' ? endpoint.username : '';
  const url = `redis://${encodeURIComponent(user)}:${encodeURIComponent(endpoint.password)}@${endpoint.host}:${endpoint.port}`;
  const client = createRedisClient(url, {
    offlineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeoutMs: endpoint.timeoutMs,
    commandTimeoutMs: endpoint.timeoutMs,
  });
  try {
    try {
      await client.connect();
    } catch (error) {
      throw new Error(`Redis did not accept the connection: ${messageOf(error)}`, { cause: error });
    }
    return await use(([name, ...args]) => client.call(name!, ...args));
  } finally {
    await closeRedisClient(client, 1_000);
  }
}

/**
 * The Redis verifier: the key count (`DBSIZE`) as its one "table", and `verify.command` from the
 * read-only allow-list of the data path port.
 */
export function createRedisVerifier(): DataVerifier {
  return {
    counts: (endpoint) =>
      withClient(endpoint, async (run) => [{ table: 'keys', rows: Number(await run(['DBSIZE'])) }]),
    verify: (endpoint, text) => {
      const parsed = parseRedisCommand(text);
      if ('error' in parsed) return Promise.reject(new VerificationError(parsed.error));
      return withClient(endpoint, async (run) => {
        try {
          const answer = await run(parsed.words);
          return `${parsed.words[0]} answered ${summarize(answer === null ? '(nil)' : answer, 160)}`;
        } catch (error) {
          throw new VerificationError(`verify.command failed: ${messageOf(error)}`, {
            cause: error,
          });
        }
      });
    },
  };
}
