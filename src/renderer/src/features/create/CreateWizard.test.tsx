// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, ClientProvider, type PublicProvider } from '../../api';
import { useFleetStore } from '../../stores';
import { fakeClient } from '../../testing/fixtures';
import { CreateWizard } from './CreateWizard';

const PROVIDER = {
  id: 'p1',
  name: 'east',
  context: 'east',
  region: null,
  labels: {},
  server: 'http://127.0.0.1:1',
  health: {
    reachable: true,
    kubedbInstalled: true,
    engines: ['postgres'],
    lastSeenAt: null,
    message: null,
  },
  revision: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
} satisfies PublicProvider;

describe('the create wizard', () => {
  beforeEach(() => useFleetStore.setState({ providers: [PROVIDER], online: true }));
  afterEach(cleanup);

  it('shows the API error with the field that was wrong', async () => {
    const client = fakeClient(({ url }) => {
      if (url.startsWith('/api/v1/versions'))
        return {
          items: [{ engine: 'postgres', version: '16.4', deprecated: false, upgradeTargets: [] }],
        };
      throw new ApiError(400, 'VALIDATION_FAILED', 'the request is invalid', [
        {
          path: 'name',
          rule: 'format',
          message: "name must be a DNS-1035 label: lower-case letters, digits and '-'",
        },
      ]);
    });
    render(
      <ClientProvider client={client}>
        <CreateWizard />
      </ClientProvider>,
    );
    await act(async () => Promise.resolve());
    expect(screen.getByLabelText<HTMLSelectElement>('Version').value).toBe('16.4');
    for (let i = 0; i < 3; i++) fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Bad_Name' } });
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Preview manifests' }));
      await Promise.resolve();
    });
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('VALIDATION_FAILED');
    expect(alert.textContent).toContain('the request is invalid');
    expect(alert.querySelector('code')?.textContent).toBe('name');
    expect(alert.textContent).toContain('must be a DNS-1035 label');
    const posted = client.calls.find((c) => c.method === 'POST');
    expect(posted?.url).toBe('/api/v1/databases?dryRun=true');
    expect(posted?.body).toMatchObject({
      name: 'Bad_Name',
      engine: 'postgres',
      version: '16.4',
      resources: { cpu: '250m', memory: '512Mi' },
    });
  });

  it('picks domain and project from those that exist, and a new one only on request', async () => {
    const client = fakeClient(({ method, url }) => {
      if (url.startsWith('/api/v1/versions'))
        return {
          items: [{ engine: 'postgres', version: '16.4', deprecated: false, upgradeTargets: [] }],
        };
      if (url.startsWith('/api/v1/domains/beta/projects')) return { items: [], nextCursor: null };
      if (url.startsWith('/api/v1/domains/zeta/projects'))
        return { items: [{ name: 'web' }, { name: 'shop' }], nextCursor: null };
      if (url.startsWith('/api/v1/domains'))
        return { items: [{ name: 'zeta' }, { name: 'beta' }], nextCursor: null };
      if (method === 'POST') return { manifests: [] };
      throw new Error(`unexpected ${method} ${url}`);
    });
    render(
      <ClientProvider client={client}>
        <CreateWizard />
      </ClientProvider>,
    );
    await act(async () => Promise.resolve());
    for (let i = 0; i < 3; i++) fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await act(async () => Promise.resolve());
    await act(async () => Promise.resolve());
    const domain = screen.getByLabelText<HTMLSelectElement>('Domain');
    const project = screen.getByLabelText<HTMLSelectElement>('Project');
    // No demo names and no free text: the first existing tenant is chosen.
    expect([...domain.options].map((o) => o.textContent)).toEqual(['zeta', 'beta', 'New domain…']);
    expect(domain.value).toBe('zeta');
    expect(project.value).toBe('web');
    expect(screen.queryByLabelText('New domain name')).toBeNull();
    expect(screen.queryByLabelText('New project name')).toBeNull();

    // A domain with no project yet asks for the new project's name.
    await act(async () => {
      fireEvent.change(domain, { target: { value: 'beta' } });
      await Promise.resolve();
    });
    await act(async () => Promise.resolve());
    fireEvent.change(screen.getByLabelText('New project name'), { target: { value: 'api' } });

    // A new domain is an explicit choice, with its own field.
    fireEvent.change(screen.getByLabelText('Domain'), { target: { value: '\u0000new' } });
    fireEvent.change(screen.getByLabelText('New domain name'), { target: { value: 'newteam' } });
    fireEvent.change(screen.getByLabelText('New project name'), { target: { value: 'first' } });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'orders' } });
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Preview manifests' }));
      await Promise.resolve();
    });
    const posted = client.calls.find((c) => c.method === 'POST');
    expect(posted?.body).toMatchObject({ name: 'orders', domain: 'newteam', project: 'first' });
  });
});
