// @vitest-environment happy-dom
import { act, cleanup, render } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientProvider } from '../api';
import { useFleetStore } from '../stores';
import { fakeClient, sampleDatabase } from '../testing/fixtures';
import { Shell } from './Shell';

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
});
