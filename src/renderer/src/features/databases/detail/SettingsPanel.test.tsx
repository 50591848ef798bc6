// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../api';
import { labelProblem } from '../../../model/labels';
import { fakeClient } from '../../../testing/fixtures';
import { SettingsPanel } from './SettingsPanel';

const DATABASE = {
  id: 'id-orders',
  name: 'orders',
  deletionPolicy: 'Delete' as const,
  labels: { team: 'payments', tier: 'gold' },
};

const click = async (element: HTMLElement): Promise<void> => {
  await act(async () => {
    fireEvent.click(element);
    await Promise.resolve();
  });
};

describe('the database settings panel', () => {
  afterEach(cleanup);

  it('changes the deletionPolicy only after a confirm that says what it means', async () => {
    const client = fakeClient(({ body }) => ({ database: { ...DATABASE, ...(body as object) } }));
    const onApplied = vi.fn();
    render(
      <SettingsPanel
        database={DATABASE}
        client={client}
        disabledReason={null}
        onApplied={onApplied}
      />,
    );
    fireEvent.change(screen.getByLabelText('Deletion policy'), {
      target: { value: 'DoNotTerminate' },
    });
    await click(screen.getByRole('button', { name: 'Change deletion policy' }));
    expect(client.calls).toHaveLength(0);
    expect(screen.getByTestId('policy-explained').textContent).toMatch(/deleting it is refused/);
    fireEvent.change(screen.getByLabelText('Deletion policy'), { target: { value: 'WipeOut' } });
    expect(screen.getByTestId('policy-explained').textContent).toMatch(
      /pods, volumes, secrets and backups/,
    );
    await click(screen.getByRole('button', { name: 'Set WipeOut' }));
    expect(client.calls).toEqual([
      { method: 'PATCH', url: '/api/v1/databases/id-orders', body: { deletionPolicy: 'WipeOut' } },
    ]);
    expect(onApplied).toHaveBeenCalledWith(
      { database: { ...DATABASE, deletionPolicy: 'WipeOut' } },
      'deletionPolicy change',
    );
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('adds and removes labels through PATCH, and names the field and rule of a bad one', async () => {
    const client = fakeClient(() => ({ database: DATABASE }));
    render(
      <SettingsPanel
        database={DATABASE}
        client={client}
        disabledReason={null}
        onApplied={() => undefined}
      />,
    );
    fireEvent.change(screen.getByLabelText('Label key'), { target: { value: 'Cost Centre' } });
    fireEvent.change(screen.getByLabelText('Label value'), { target: { value: '42' } });
    await click(screen.getByRole('button', { name: 'Add label' }));
    expect(client.calls).toHaveLength(0);
    expect(screen.getByTestId('label-problem').textContent).toBe(
      'labels["Cost Centre"]: the name must be letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
    );
    fireEvent.change(screen.getByLabelText('Label key'), { target: { value: 'cost-centre' } });
    await click(screen.getByRole('button', { name: 'Add label' }));
    await click(screen.getByRole('button', { name: 'Remove label tier' }));
    expect(client.calls.map((call) => call.body)).toEqual([
      { labels: { team: 'payments', tier: 'gold', 'cost-centre': '42' } },
      { labels: { team: 'payments' } },
    ]);
    expect(screen.queryByTestId('label-problem')).toBeNull();
  });

  it('shows the engine refusing a change', async () => {
    const client = fakeClient(() => {
      throw new ApiError(409, 'CONFLICT', 'orders is PAUSED: resume it first');
    });
    render(
      <SettingsPanel
        database={DATABASE}
        client={client}
        disabledReason={null}
        onApplied={() => undefined}
      />,
    );
    await click(screen.getByRole('button', { name: 'Remove label team' }));
    expect(screen.getByRole('alert').textContent).toContain('orders is PAUSED: resume it first');
  });
});

describe('label rules', () => {
  it.each([
    ['', 'x', 'label key: must not be empty'],
    ['dbaas.kubedb.dev/owner', 'x', 'belong to the engine'],
    ['Bad_Prefix/name', 'x', 'the prefix before "/" must be a DNS subdomain'],
    ['a'.repeat(64), 'x', 'the name after the prefix must be 1 to 63 characters'],
    ['team', '-x', 'labels["team"] value: must be empty or letters'],
    ['team', 'v'.repeat(64), 'labels["team"] value: must be at most 63 characters'],
  ])('refuses %j=%j', (key, value, message) => {
    expect(labelProblem(key, value)).toContain(message);
  });

  it('accepts prefixed keys and empty values', () => {
    expect(labelProblem('example.com/cost_centre.v2', '')).toBeNull();
    expect(labelProblem('team', 'payments-2')).toBeNull();
  });
});
