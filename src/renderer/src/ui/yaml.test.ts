import { describe, expect, it } from 'vitest';
import { pathShowsDrift, toYaml, toYamlLines } from './yaml';

describe('the YAML view helpers', () => {
  it('writes nested objects and lists, quoting what YAML would misread', () => {
    expect(
      toYaml({
        kind: 'Postgres',
        spec: { version: '16.4', replicas: 3, halted: false, args: ['a', 'yes'], empty: {} },
      }),
    ).toBe(
      [
        'kind: Postgres',
        'spec:',
        '  version: "16.4"',
        '  replicas: 3',
        '  halted: false',
        '  args:',
        '  - a',
        '  - "yes"',
        '  empty: {}',
      ].join('\n'),
    );
  });

  it('knows which manifest lines show a drifted field', () => {
    const lines = toYamlLines({
      spec: {
        replicas: 5,
        storage: { resources: { requests: { storage: '10Gi' } } },
        podTemplate: { spec: { containers: [{ resources: { requests: { cpu: '1' } } }] } },
      },
    });
    const drifted = (path: string) =>
      lines.filter((l) => pathShowsDrift(l.path, path)).map((l) => l.text.trim());
    expect(drifted('replicas')).toEqual(['replicas: 5']);
    expect(drifted('storage.size')).toEqual(['storage: 10Gi']);
    expect(drifted('resources.cpu')).toEqual(['cpu: "1"']);
  });
});
