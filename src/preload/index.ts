import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  EVENT_CHANNEL,
  LOCAL_KUBECONFIG_CHANNEL,
  REQUEST_CHANNEL,
  SETTINGS_CHANNEL,
  type BridgeEvent,
  type BridgeRequest,
  type BridgeResponse,
  type DbaasBridge,
  type LocalKubeconfigAnswer,
  type LocalKubeconfigRequest,
  type SettingsAnswer,
  type SettingsRequest,
} from '../shared/ipc';

/**
 * The one bridge the page sees. It forwards exactly four things — requests, events, the desktop's
 * settings and the user's own kubeconfig — and never exposes ipcRenderer itself.
 */
const bridge: DbaasBridge = {
  request: (request: BridgeRequest) =>
    ipcRenderer.invoke(REQUEST_CHANNEL, {
      method: request.method,
      url: request.url,
      body: request.body,
    }) as Promise<BridgeResponse>,
  settings: (request: SettingsRequest) =>
    ipcRenderer.invoke(SETTINGS_CHANNEL, request) as Promise<SettingsAnswer>,
  localKubeconfig: (request: LocalKubeconfigRequest) =>
    ipcRenderer.invoke(LOCAL_KUBECONFIG_CHANNEL, request) as Promise<LocalKubeconfigAnswer>,
  onEvent(listener) {
    const handler = (_event: IpcRendererEvent, payload: BridgeEvent): void => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('dbaas', bridge);
