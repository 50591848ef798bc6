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
import {
  KubeconfigMergeError,
  mergeKubeconfigs,
  readKubeconfigFiles,
  reduceKubeconfig,
} from './kubeconfig-merge';

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

const MAX_CONTEXTS = 50;

/**
 * Answers `dbaas:local-kubeconfig`: lists the contexts of the user's own kubeconfig, or registers
 * some of them as clusters. Main reads the files and hands them to the engine (or the remote daemon)
 * itself, so the credentials in them never reach the page. Several files are merged as kubectl
 * merges them (see {@link mergeKubeconfigs}), so a context may use a user from another file.
 */
export function registerLocalKubeconfigBridge(options: LocalKubeconfigOptions): {
  dispose(): void;
} {
  const contextsOf = async (
    merged: string,
  ): Promise<{ response: BridgeResponse; names: string[] }> => {
    const response = await options.send({
      method: 'POST',
      url: '/api/v1/providers/contexts',
      body: { kubeconfig: merged },
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
      const files = await readKubeconfigFiles(options.paths());
      const paths = files.map((file) => file.path);
      const request = (raw ?? {}) as { action?: unknown; contexts?: unknown };
      let merged: string;
      try {
        const result = mergeKubeconfigs(files);
        merged = result.text;
        // No kubeconfig at all is an empty list, not an error (the page says where to put one).
        if (result.contexts === 0 && request.action === 'contexts')
          return { paths, responses: [{ status: 200, body: { items: [], nextCursor: null } }] };
      } catch (error) {
        const file = error instanceof KubeconfigMergeError ? error.path : 'a kubeconfig file';
        return {
          paths,
          responses: [
            errorAnswer(400, 'VALIDATION_FAILED', `${file} is not a valid kubeconfig`, [
              { path: 'kubeconfig', rule: 'parse', message: `${file} is not valid YAML` },
            ]),
          ],
        };
      }
      try {
        if (request.action === 'contexts') return { paths, responses: await listAll(merged) };
        if (request.action === 'add')
          return { paths, responses: await addAll(merged, request.contexts) };
      } catch {
        return { paths, responses: [errorAnswer(503, 'UNAVAILABLE', 'the engine did not answer')] };
      }
      return {
        paths,
        responses: [errorAnswer(400, 'BAD_REQUEST', 'malformed kubeconfig request')],
      };
    },
  );

  /** The contexts of the merged files, as the engine lists (and checks) them. */
  const listAll = async (merged: string): Promise<BridgeResponse[]> => {
    const { response } = await contextsOf(merged);
    if (response.status !== 200) return [response];
    const items = (response.body as { items: unknown[] }).items;
    return [{ status: 200, body: { items, nextCursor: null } }];
  };

  const addAll = async (merged: string, wanted: unknown): Promise<BridgeResponse[]> => {
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
    const names = new Set((await contextsOf(merged)).names);
    const responses: BridgeResponse[] = [];
    for (const choice of chosen) {
      if (!names.has(choice.context)) {
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
            kubeconfig: reduceKubeconfig(merged, choice.context),
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
