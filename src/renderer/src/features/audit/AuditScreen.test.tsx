// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientProvider, type AuditEvent } from '../../api';
import { fakeClient } from '../../testing/fixtures';
import { AuditScreen } from './AuditScreen';

function auditEvent(overrides: Partial<AuditEvent>): AuditEvent {
  return {
    id: 'a1',
    actor: 'admin',
    action: 'databases.delete',
    target: 'databases/0b9d3c2e-uuid',
    result: 'success',
    requestId: null,
    sourceIp: null,
    time: '2026-12-01T10:00:00.000Z',
    prevHash: '0',
    hash: '1',
    ...overrides,
  };
}

describe('the audit screen', () => {
  afterEach(cleanup);

  it('shows each target by its name and kind, with the raw id on hover', async () => {
    const client = fakeClient(() => ({
      items: [
        auditEvent({ id: 'a1', targetKind: 'database', targetName: 'orders' }),
        auditEvent({ id: 'a2', target: 'domains/legacy' }),
      ],
      nextCursor: null,
    }));
    render(
      <ClientProvider client={client}>
        <AuditScreen />
      </ClientProvider>,
    );
    const named = (await screen.findByText('orders')).closest('td');
    expect(named?.textContent).toBe('orders database');
    expect(named?.getAttribute('title')).toBe('databases/0b9d3c2e-uuid');
    expect(named?.textContent).not.toContain('0b9d3c2e');
    // An event recorded before names were kept still shows what it has.
    expect(screen.getByText('domains/legacy')).toBeTruthy();
  });
});
