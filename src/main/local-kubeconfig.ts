import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  LOCAL_KUBECONFIG_CHANNEL,
  type BridgeRequest,
  type BridgeResponse,
  type LocalKubeconfigAnswer,
} from '../shared/ipc';
import { errorAnswer } from '../shared/api/client';
import type { IpcMainLike } from './electron-types';

/** kubectl's order: every file named by $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigPaths(
  env: Readonly<Record<string, string | undefined>>,
  home: string = homedir(),
): string[] {
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((path) => path !== '');
  return listed.length > 0 ? listed : [join(home, '.kube', 'config')];
}

export interface LocalKubeconfigOptions {
  ipcMain: IpcMainLike;
  isTrustedSender: (senderId: number, frameUrl: string | undefined) => boolean;
  /** Where the user's kubeconfig files are (see {@link kubeconfigPaths}). */
  paths: () => string[];
  /** The running backend, as the request bridge uses it. */
  send: (request: BridgeRequest) => Promise<{ status: number; body: unknown }>;
}

interface KubeconfigFile {
  path: string;
  text: string;
}

function readFiles(paths: string[]): KubeconfigFile[] {
  const files: KubeconfigFile[] = [];
  for (const path of paths) {
    try {
      files.push({ path, text: readFileSync(path, 'utf8') });
    } catch {
      // A path of $KUBECONFIG that does not exist is skipped, as kubectl does.
    }
  }
  return files;
}

const MAX_CONTEXTS = 50;

/**
 * Answers `dbaas:local-kubeconfig`: lists the contexts of the user's own kubeconfig, or registers
 * some of them as clusters. Main reads the files and hands them to the engine (or the remote daemon)
 * itself, so the credentials in them never reach the page. With several files, the first file that
 * names a context wins, as in kubectl.
 */
export function registerLocalKubeconfigBridge(options: LocalKubeconfigOptions): {
  dispose(): void;
} {
  const contextsOf = async (
    file: KubeconfigFile,
  ): Promise<{ response: BridgeResponse; names: string[] }> => {
    const response = await options.send({
      method: 'POST',
      url: '/api/v1/providers/contexts',
      body: { kubeconfig: file.text },
    });
    const items = (response.body as { items?: { name: string }[] } | null)?.items ?? [];
    return { response, names: response.status === 200 ? items.map((item) => item.name) : [] };
  };

  options.ipcMain.handle(
    LOCAL_KUBECONFIG_CHANNEL,
    async (event, raw): Promise<LocalKubeconfigAnswer> => {
      if (!options.isTrustedSender(event.sender.id, event.senderFrame?.url))
        return {
          paths: [],
          responses: [errorAnswer(403, 'FORBIDDEN', 'this window may not do that')],
        };
      const files = readFiles(options.paths());
      const paths = files.map((file) => file.path);
      const request = (raw ?? {}) as { action?: unknown; contexts?: unknown };
      try {
        if (request.action === 'contexts') return { paths, responses: await listAll(files) };
        if (request.action === 'add')
          return { paths, responses: await addAll(files, request.contexts) };
      } catch {
        return { paths, responses: [errorAnswer(503, 'UNAVAILABLE', 'the engine did not answer')] };
      }
      return {
        paths,
        responses: [errorAnswer(400, 'BAD_REQUEST', 'malformed kubeconfig request')],
      };
    },
  );

  /** One list of every file's contexts, the first file naming a context winning. */
  const listAll = async (files: KubeconfigFile[]): Promise<BridgeResponse[]> => {
    const seen = new Set<string>();
    const items: unknown[] = [];
    for (const file of files) {
      const { response } = await contextsOf(file);
      if (response.status !== 200) return [response];
      for (const item of (response.body as { items: { name: string }[] }).items) {
        if (seen.has(item.name)) continue;
        seen.add(item.name);
        items.push(item);
      }
    }
    return [{ status: 200, body: { items, nextCursor: null } }];
  };

  const addAll = async (files: KubeconfigFile[], wanted: unknown): Promise<BridgeResponse[]> => {
    const chosen = parseChoices(wanted);
    if (!chosen)
      return [
        errorAnswer(
          400,
          'VALIDATION_FAILED',
          'contexts must list 1 to 50 { context, name, region? }',
          [{ path: 'contexts', rule: 'shape', message: 'a list of { context, name, region? }' }],
        ),
      ];
    const owners = new Map<string, KubeconfigFile>();
    for (const file of files) {
      for (const name of (await contextsOf(file)).names)
        if (!owners.has(name)) owners.set(name, file);
    }
    const responses: BridgeResponse[] = [];
    for (const choice of chosen) {
      const file = owners.get(choice.context);
      if (!file) {
        responses.push(
          errorAnswer(400, 'VALIDATION_FAILED', `no context ${choice.context} in your kubeconfig`, [
            { path: 'context', rule: 'exists', message: 'must be a context of your kubeconfig' },
          ]),
        );
        continue;
      }
      responses.push(
        await options.send({
          method: 'POST',
          url: '/api/v1/providers',
          body: {
            name: choice.name,
            kubeconfig: file.text,
            context: choice.context,
            ...(choice.region ? { region: choice.region } : {}),
          },
        }),
      );
    }
    return responses;
  };

  return { dispose: () => options.ipcMain.removeHandler(LOCAL_KUBECONFIG_CHANNEL) };
}

function parseChoices(value: unknown): { context: string; name: string; region?: string }[] | null {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_CONTEXTS) return null;
  const choices: { context: string; name: string; region?: string }[] = [];
  for (const item of value as unknown[]) {
    const { context, name, region } = (item ?? {}) as Record<string, unknown>;
    if (typeof context !== 'string' || typeof name !== 'string') return null;
    if (region !== undefined && typeof region !== 'string') return null;
    choices.push({ context, name, ...(region ? { region } : {}) });
  }
  return choices;
}
