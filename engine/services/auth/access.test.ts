import { describe, expect, it } from 'vitest';
import type { RoleBinding } from '../../domain';
import { Grant, intersectBinding, narrowBindings, type Principal } from './access';

function grant(bindings: RoleBinding[], role: RoleBinding['role']): Grant {
  const principal: Principal = { kind: 'user', id: 'u', actor: 'u', bindings, userId: 'u' };
  return new Grant(principal, role);
}

describe('grants', () => {
  it('reaches globally, a whole domain, or one project', () => {
    const global = grant([{ role: 'viewer' }], 'viewer');
    const domain = grant([{ role: 'viewer', domain: 'acme' }], 'viewer');
    const project = grant([{ role: 'viewer', domain: 'acme', project: 'shop' }], 'viewer');
    expect(global.canSee('any', 'thing')).toBe(true);
    expect(domain.canSee('acme', 'other')).toBe(true);
    expect(domain.canSee('globex', 'shop')).toBe(false);
    expect(project.canSee('acme', 'shop')).toBe(true);
    expect(project.canSee('acme', 'other')).toBe(false);
    // A project binding shows its domain, but does not act on the domain itself.
    expect(project.canSee('acme')).toBe(true);
    expect(project.canAct('acme')).toBe(false);
    expect(global.visibleScopes()).toBeUndefined();
    expect(project.visibleScopes()).toEqual([{ domain: 'acme', project: 'shop' }]);
    expect(grant([], 'viewer').visibleScopes()).toEqual([]);
  });

  it('answers 404 outside the bindings and 403 inside them without the role', () => {
    const viewer = grant([{ role: 'viewer', domain: 'acme', project: 'shop' }], 'operator');
    expect(() => viewer.assertAllowed('database', 'd1', 'acme', 'other')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    expect(() => viewer.assertAllowed('database', 'd1', 'acme', 'shop')).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
    const mixed = grant(
      [{ role: 'viewer' }, { role: 'operator', domain: 'acme', project: 'shop' }],
      'operator',
    );
    expect(() => mixed.assertAllowed('database', 'd1', 'acme', 'shop')).not.toThrow();
    expect(() => mixed.assertAllowed('database', 'd2', 'globex', 'x')).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
    expect(() => mixed.assertGlobal()).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(mixed.has('admin', 'acme')).toBe(false);
    expect(grant([{ role: 'admin', domain: 'acme' }], 'viewer').has('admin', 'acme')).toBe(true);
  });
});

describe('narrowing a key to its holder', () => {
  it('keeps the lesser role over the scope both bindings reach, and nothing where they do not meet', () => {
    expect(intersectBinding({ role: 'admin' }, { role: 'viewer', domain: 'acme' })).toEqual({
      role: 'viewer',
      domain: 'acme',
    });
    expect(
      intersectBinding(
        { role: 'operator', domain: 'acme' },
        { role: 'admin', domain: 'acme', project: 'shop' },
      ),
    ).toEqual({ role: 'operator', domain: 'acme', project: 'shop' });
    expect(
      intersectBinding({ role: 'viewer', domain: 'acme' }, { role: 'admin', domain: 'globex' }),
    ).toBeNull();
    expect(
      intersectBinding(
        { role: 'viewer', domain: 'acme', project: 'shop' },
        { role: 'viewer', domain: 'acme', project: 'web' },
      ),
    ).toBeNull();
    expect(
      narrowBindings({ role: 'operator', domain: 'acme' }, [
        { role: 'viewer', domain: 'acme', project: 'shop' },
        { role: 'admin' },
        { role: 'admin', domain: 'acme' },
        { role: 'admin', domain: 'globex' },
      ]),
    ).toEqual([
      { role: 'viewer', domain: 'acme', project: 'shop' },
      { role: 'operator', domain: 'acme' },
    ]);
  });
});
