import { describe, expect, it } from 'vitest';
import { removeAt } from './managed-fields';

const path = (...segments: string[]): string => segments.join('\u0000');

describe('removeAt', () => {
  it('removes a field and the maps it leaves empty, never a top-level field', () => {
    const object = {
      spec: { version: '15', archiver: { ref: { name: 'a' } } },
    };
    removeAt(object, path('f:spec', 'f:archiver', 'f:ref', 'f:name'));
    expect(object).toEqual({ spec: { version: '15' } });
    const only = { spec: { archiver: { ref: { name: 'a' } } } };
    removeAt(only, path('f:spec', 'f:archiver', 'f:ref', 'f:name'));
    expect(only).toEqual({ spec: {} });
  });

  it('keeps a map that still holds other fields', () => {
    const object = { spec: { archiver: { ref: { name: 'a', namespace: 'b' }, pause: true } } };
    removeAt(object, path('f:spec', 'f:archiver', 'f:ref', 'f:name'));
    expect(object).toEqual({ spec: { archiver: { ref: { namespace: 'b' }, pause: true } } });
  });
});
