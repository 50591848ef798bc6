// @vitest-environment happy-dom
// @vitest-environment-options {"settings": {"fetch": {"disableSameOriginPolicy": true}}}
/**
 * The console's own traffic fits a script's budget (issue 11): the signed-in page (here in
 * happy-dom), over HTTP to a real daemon whose rate limiter's clock stands still — so not one token
 * comes back during the test — clicks through 60 databases' detail pages and is never refused.
 * The default limits apply: 100 reads, 60 writes, 10 bulk lists.
 */
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fixtures } from '../../../../../engine/store/conformance/fixtures';
import { MemoryRateLimiter } from '../../../../../engine/services/auth';
import type { SimCluster } from '../../../../../sim/index';
import {
  startClusters,
  startTestEngine,
  TEST_ADMIN_PASSWORD,
  type TestEngine,
} from '../../../../../test/helpers/engine';
import { ClientProvider, createHttpClient } from '../../api';
import { Shell } from '../../app/Shell';
import { useFleetStore } from '../../stores';
import { navigate } from '../../ui';

const DATABASES = 60;

describe("the console's traffic against the default rate limits", () => {
  let t: TestEngine;
  let clusters: SimCluster[];
  let baseUrl: string;
  const ids: string[] = [];
  const answers: { url: string; status: number }[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    clusters = await startClusters(1);
    t = await startTestEngine({ engine: { rateLimiter: new MemoryRateLimiter(() => 0) } });
    const provider = await t.request<{ id: string }>('POST', '/api/v1/providers', {
      name: 'cluster-1',
      kubeconfig: clusters[0]!.kubeconfig,
    });
    expect(provider.status).toBe(201);
    const fx = new Fixtures();
    for (let i = 0; i < DATABASES; i++) {
      const database = await t.store.databases.create(
        fx.database({ providerId: provider.body.id, status: 'RUNNING' }),
      );
      ids.push(database.id);
    }
    const address = await t.engine.api.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = address;
  }, 60_000);

  afterAll(async () => {
    cleanup();
    await t?.stop();
    await Promise.all((clusters ?? []).map((c) => c.stop()));
  });

  it('clicks through 60 detail pages with one read each and never meets a 429', async () => {
    const { accessToken } = await t.login('admin', TEST_ADMIN_PASSWORD);
    const recording: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = (input instanceof Request ? input.url : input.toString()).replace(baseUrl, '');
      answers.push({ url, status: response.status });
      if (response.status >= 400) problems.push(`${url}: ${await response.clone().text()}`);
      return response;
    };
    const tokens = { token: async () => accessToken, refresh: async () => false };
    const client = createHttpClient(baseUrl, recording, tokens);
    navigate('/databases');
    render(
      <ClientProvider client={client}>
        <Shell client={client} user={null} streamState={null} onSignOut={null} />
      </ClientProvider>,
    );
    // The page's own start: providers, databases, operations and the event stream.
    await waitFor(
      () => {
        expect(useFleetStore.getState().databases.size).toBe(DATABASES);
        const urls = answers.map((a) => a.url);
        expect(urls).toContain('/api/v1/events');
        expect(urls).toContain('/api/v1/operations?limit=100');
        expect(urls).toContain('/api/v1/providers?limit=100');
      },
      { timeout: 10_000 },
    );
    const before = answers.length;

    for (const id of ids) {
      const name = useFleetStore.getState().databases.get(id)!.name;
      act(() => navigate(`/databases/${id}`));
      // The detail read of this database arrived: its manifest panel shows its desired manifest.
      await waitFor(
        () => {
          expect(screen.getByRole('heading', { level: 2 }).textContent).toContain(name);
          expect(answers.at(-1)?.url).toBe(`/api/v1/databases/${id}/detail`);
          const panel = within(screen.getByTestId('manifest-panel'));
          expect(panel.getByText('Desired')).toBeTruthy();
        },
        { timeout: 10_000 },
      );
    }
    expect(problems).toEqual([]);

    const during = answers.slice(before);
    expect(during.filter((a) => a.status === 429)).toEqual([]);
    expect(answers.filter((a) => a.status === 429)).toEqual([]);
    // One read per page: the detail, and nothing else.
    expect(during.map((a) => a.url)).toEqual(ids.map((id) => `/api/v1/databases/${id}/detail`));
    // Everything the page asked for fits the 100 reads a script gets.
    expect(answers.length).toBeLessThanOrEqual(100);

    // Going back to a page already seen is a revalidation: 304, a quarter of a read.
    act(() => navigate(`/databases/${ids[0]}`));
    await waitFor(() => expect(answers.at(-1)?.url).toBe(`/api/v1/databases/${ids[0]}/detail`));
    expect(answers.at(-1)?.status).toBe(304);
    await waitFor(() =>
      expect(within(screen.getByTestId('manifest-panel')).getByText('Desired')).toBeTruthy(),
    );
  }, 120_000);
});
