import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeKubeconfigs, readKubeconfigFiles, reduceKubeconfig } from './kubeconfig-merge';

interface Doc {
  'current-context'?: string;
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
}

const first = `
clusters:
- {name: shared, cluster: {server: "https://first.example"}}
- {name: a, cluster: {server: "https://a.example", certificate-authority: certs/ca.crt}}
contexts:
- {name: uses-other-file, context: {cluster: a, user: from-second}}
- {name: both, context: {cluster: shared, user: from-second}}
users: []
`;
const second = `
current-context: both
clusters:
- {name: shared, cluster: {server: "https://second.example"}}
users:
- {name: from-second, user: {token-file: token, client-key: /abs/key}}
contexts:
- {name: both, context: {cluster: a, user: nobody}}
- {name: only-second, context: {cluster: shared, user: from-second}}
`;
const third = 'current-context: only-second\n';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kc-merge-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('merging $KUBECONFIG as kubectl does', () => {
  it('keeps the first entry of each name, takes current-context from the first file that sets it, and resolves relative paths per file', () => {
    const { text, contexts } = mergeKubeconfigs([
      { path: '/users/me/.kube/one', text: first },
      { path: '/etc/kube/two', text: second },
      { path: '/etc/kube/three', text: third },
    ]);
    const doc = load(text) as Doc;
    expect(contexts).toBe(3);
    expect(doc['current-context']).toBe('both');
    expect(doc.clusters.find((c) => c.name === 'shared')?.cluster.server).toBe(
      'https://first.example',
    );
    expect(doc.contexts.find((c) => c.name === 'both')?.context).toEqual({
      cluster: 'shared',
      user: 'from-second',
    });
    // A context of the first file uses a user of the second: one document holds both.
    expect(doc.users.map((u) => u.name)).toEqual(['from-second']);
    expect(doc.clusters.find((c) => c.name === 'a')?.cluster['certificate-authority']).toBe(
      '/users/me/.kube/certs/ca.crt',
    );
    expect(doc.users[0]?.user).toEqual({
      'token-file': '/etc/kube/token',
      'client-key': '/abs/key',
    });
  });

  it('reduces the merged text to one context, its cluster and its user for registration', () => {
    const { text } = mergeKubeconfigs([
      { path: '/users/me/.kube/one', text: first },
      { path: '/etc/kube/two', text: second },
    ]);
    const doc = load(reduceKubeconfig(text, 'both')) as Doc;
    expect(doc['current-context']).toBe('both');
    expect(doc.contexts.map((c) => c.name)).toEqual(['both']);
    expect(doc.clusters.map((c) => c.name)).toEqual(['shared']);
    expect(doc.users.map((u) => u.name)).toEqual(['from-second']);
  });

  it('names the file that is not YAML', () => {
    expect(() => mergeKubeconfigs([{ path: '/x/bad', text: 'a: [' }])).toThrow('/x/bad');
  });

  it('reads regular files only, skipping a FIFO, a directory and a missing path without blocking', async () => {
    const file = join(dir, 'config');
    writeFileSync(file, first);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const files = await readKubeconfigFiles([fifo, dir, join(dir, 'missing'), file]);
    expect(files.map((f) => f.path)).toEqual([file]);
  });
});
