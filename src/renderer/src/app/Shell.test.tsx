// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useFleetStore } from '../stores';
import { ClientProvider, type PublicProvider } from '../api';
import { fakeClient, sampleDatabase, sampleOperation } from '../testing/fixtures';
import { Shell } from './Shell';

function sampleProvider(): PublicProvider {
  return {
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
  };
}

function renderShell() {
  const client = fakeClient(() => ({ items: [], nextCursor: null }));
  return render(
    <ClientProvider client={client}>
      <Shell client={client} user={null} streamState={null} onSignOut={null} />
    </ClientProvider>,
  );
}

async function go(hash: string): Promise<void> {
  await act(async () => {
    window.location.hash = hash;
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await Promise.resolve();
  });
}

describe('the console shell', () => {
  beforeEach(() => {
    window.location.hash = '';
    useFleetStore.setState({ databases: new Map(), online: true });
  });
  afterEach(cleanup);

  it('titles the window after the screen shown, a database by its name', async () => {
    renderShell();
    await go('#/databases');
    expect(document.title).toBe('Databases — KubeDB DBaaS Console');
    await go('#/audit');
    expect(document.title).toBe('Audit — KubeDB DBaaS Console');
    await go('#/');
    expect(document.title).toBe('Dashboard — KubeDB DBaaS Console');
    const orders = sampleDatabase({ name: 'orders' });
    await go(`#/databases/${orders.id}`);
    expect(document.title).toBe('Database — Databases — KubeDB DBaaS Console');
    act(() => useFleetStore.setState({ databases: new Map([[orders.id, orders]]) }));
    expect(document.title).toBe('orders — Databases — KubeDB DBaaS Console');
  });

  it('opens a fresh wizard from "New database" after a create', async () => {
    const orders = sampleDatabase({ name: 'orders', status: 'PENDING' });
    const operation = sampleOperation({ id: 'op-9', type: 'create', databaseId: orders.id });
    const client = fakeClient(({ method, url }) => {
      if (url.startsWith('/api/v1/versions'))
        return {
          items: [{ engine: 'postgres', version: '16.4', deprecated: false, upgradeTargets: [] }],
        };
      if (url.startsWith('/api/v1/domains/acme/projects')) return { items: [{ name: 'shop' }] };
      if (url.startsWith('/api/v1/domains')) return { items: [{ name: 'acme' }] };
      if (method === 'POST' && url.includes('dryRun')) return { manifests: [] };
      if (method === 'POST') return { database: orders, operation };
      if (url.startsWith('/api/v1/providers'))
        return { items: [sampleProvider()], nextCursor: null };
      return { items: [], nextCursor: null };
    });
    render(
      <ClientProvider client={client}>
        <Shell client={client} user={null} streamState={null} onSignOut={null} />
      </ClientProvider>,
    );
    await go('#/create');
    await act(async () => Promise.resolve());
    for (let i = 0; i < 3; i++) fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await act(async () => Promise.resolve());
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'orders' } });
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Preview manifests' }));
      await Promise.resolve();
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Create database' }));
      await Promise.resolve();
    });
    await act(async () => {
      window.dispatchEvent(new HashChangeEvent('hashchange'));
      await Promise.resolve();
    });
    expect(screen.getByRole('heading', { name: 'Creating orders' })).toBeTruthy();
    // The progress is its own route, so the nav link leads somewhere else: a new wizard.
    const link = screen.getByRole('link', { name: 'New database' });
    expect(window.location.hash).toBe(`#/create/${orders.id}/op-9`);
    expect(link.getAttribute('href')).toBe('#/create');
    await go(link.getAttribute('href')!);
    expect(screen.queryByRole('heading', { name: 'Creating orders' })).toBeNull();
    expect(screen.getByRole('heading', { name: 'New database' })).toBeTruthy();
    expect(screen.getByLabelText('Engine')).toBeTruthy();
  });

  it('offers a skip link as the first stop of Tab, which moves focus to the screen', async () => {
    renderShell();
    await go('#/databases');
    const focusable = document.querySelectorAll<HTMLElement>('a[href], button, input, select');
    const skip = screen.getByRole('link', { name: 'Skip to content' });
    expect(focusable[0]).toBe(skip);
    fireEvent.click(skip);
    expect(document.activeElement).toBe(screen.getByRole('main'));
    // The route is the hash: skipping must not navigate away from the screen.
    expect(window.location.hash).toBe('#/databases');
  });
});
