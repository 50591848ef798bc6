/**
 * The engine daemon as a separate process (`engine/daemon.ts` under tsx), for tests that kill it
 * (SIGKILL), pause it (SIGSTOP/SIGCONT) or run two of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface EngineProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote (JSON log lines and plain lines). */
  output: string[];
  signal(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

/** Starts the daemon on a free port and resolves once it prints `engine ready on`. */
export async function startEngineProcess(options: {
  dataDir: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<EngineProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'engine/daemon.ts', '--port', '0', '--data-dir', options.dataDir],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DBAAS_ALLOW_PRIVATE_CLUSTER_ADDRESSES: 'true',
        DBAAS_VAULT: 'file',
        DBAAS_LOG_LEVEL: 'info',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the engine did not start: ${output.join('').slice(-2000)}`)),
      options.timeoutMs ?? 30_000,
    );
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      output.push(text);
      const match = /engine ready on (http:\/\/\S+)/.exec(output.join(''));
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the engine exited with ${code}: ${output.join('').slice(-2000)}`));
    });
  });
  return { child, url, output, exited, signal: (signal) => child.kill(signal) };
}
