/** The Redis server of this test run (`npm test` or the vitest global set-up starts a private one). */
export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url)
    throw new Error(
      'TEST_REDIS_URL is not set: run the tests through npm test, which starts a private Redis',
    );
  return url;
}
