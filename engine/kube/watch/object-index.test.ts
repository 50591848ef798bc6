import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kubedb/types';
import { ObjectIndex } from './object-index';

/** `namespace` null: a cluster-scoped object. */
const object = (
  name: string,
  resourceVersion: string,
  uid = `uid-${name}`,
  namespace: string | null = 'ns',
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: namespace ?? undefined, resourceVersion, uid },
});

describe('ObjectIndex', () => {
  it('ignores an event whose resourceVersion equals the cached one', () => {
    const index = new ObjectIndex();
    expect(index.apply('ADDED', object('a', '10'))).toMatchObject({ type: 'ADDED' });
    expect(index.apply('MODIFIED', object('a', '10'))).toBeUndefined();
    expect(index.apply('ADDED', object('a', '10'))).toBeUndefined();
  });

  it('treats versions as opaque strings, never as numbers', () => {
    const index = new ObjectIndex();
    index.apply('ADDED', object('a', '10'));
    // "9" is "older" as a number, "010" equal: both are simply different versions.
    expect(index.apply('MODIFIED', object('a', '9'))).toMatchObject({
      type: 'MODIFIED',
      old: { metadata: { resourceVersion: '10' } },
    });
    expect(index.apply('MODIFIED', object('a', '09'))).toMatchObject({ type: 'MODIFIED' });
  });

  it('announces an unknown MODIFIED as ADDED and ignores a deletion of an unknown object', () => {
    const index = new ObjectIndex();
    expect(index.apply('MODIFIED', object('a', '1'))).toMatchObject({ type: 'ADDED' });
    expect(index.apply('DELETED', object('b', '2'))).toBeUndefined();
    expect(index.apply('DELETED', object('a', '3'))).toMatchObject({
      type: 'DELETED',
      old: { metadata: { resourceVersion: '1' } },
    });
    expect(index.size).toBe(0);
  });

  it('keys by namespace and name, cluster-scoped objects included', () => {
    const index = new ObjectIndex();
    index.apply('ADDED', object('a', '1', 'u1', 'one'));
    index.apply('ADDED', object('a', '2', 'u2', 'two'));
    index.apply('ADDED', object('a', '3', 'u3', null));
    expect(index.get('one', 'a')?.metadata.uid).toBe('u1');
    expect(index.get('two', 'a')?.metadata.uid).toBe('u2');
    expect(index.get(undefined, 'a')?.metadata.uid).toBe('u3');
  });

  it('turns a new list into the changes since the old one, deletions included', () => {
    const index = new ObjectIndex();
    index.replace([
      object('same', '1'),
      object('changed', '2'),
      object('gone', '3'),
      object('recreated', '4', 'old-uid'),
    ]);
    const changes = index.replace([
      object('same', '1'),
      object('changed', '5'),
      object('new', '6'),
      object('recreated', '7', 'new-uid'),
    ]);
    const summary = changes.map((change) => `${change.type} ${change.object.metadata.name}`);
    expect(summary.sort()).toEqual([
      'ADDED new',
      'ADDED recreated',
      'DELETED gone',
      'DELETED recreated',
      'MODIFIED changed',
    ]);
    expect(
      changes.find((change) => change.type === 'DELETED' && change.object.metadata.name === 'gone')
        ?.object.metadata.resourceVersion,
    ).toBe('3');
    expect(
      index
        .values()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['changed', 'new', 'recreated', 'same']);
  });
});
