/**
 * Runs the real `kubectl` against a (simulated) API server, with its own kubeconfig and discovery
 * cache so tests never read or write `~/.kube`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What one kubectl run produced. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Writes a kubeconfig for `url` into `dir` (created if missing) and returns its path. The cluster
 * has `insecure-skip-tls-verify: true` (needed by kubectl even for plain HTTP) and the context uses
 * the `default` namespace. kubectl's `--cache-dir` is `<dir>/cache` (see `runKubectl`).
 */
export function writeKubeconfig(url: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'kubeconfig');
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: sim',
    '  cluster:',
    `    server: ${url}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: sim',
    '  user:',
    '    token: sim-token',
    'contexts:',
    '- name: sim',
    '  context:',
    '    cluster: sim',
    '    user: sim',
    '    namespace: default',
    'current-context: sim',
    '',
  ].join('\n');
  writeFileSync(path, text);
  return path;
}

/**
 * Runs `kubectl <args>` with `--kubeconfig` and a `--cache-dir` beside the kubeconfig; `input` is
 * written to stdin (for `-f -`). Never throws on a non-zero exit: read `code`. Killed after
 * `timeoutMs` (default 30 s) so a hung kubectl cannot hang a test.
 */
export function runKubectl(
  kubeconfigPath: string,
  args: string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<KubectlResult> {
  const cacheDir = join(kubeconfigPath, '..', 'cache');
  return new Promise((resolve, reject) => {
    const child = spawn(
      'kubectl',
      [`--kubeconfig=${kubeconfigPath}`, `--cache-dir=${cacheDir}`, ...args],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, KUBECONFIG: kubeconfigPath, HOME: join(kubeconfigPath, '..') },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
