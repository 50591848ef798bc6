import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  EVENT_CHANNEL,
  REQUEST_CHANNEL,
  type BridgeEvent,
  type BridgeRequest,
  type BridgeResponse,
  type DbaasBridge,
} from '../shared/ipc';

/**
 * The one bridge the page sees. It forwards exactly two things — requests and events — and
 * never exposes ipcRenderer itself.
 */
const bridge: DbaasBridge = {
  request: (request: BridgeRequest) =>
    ipcRenderer.invoke(REQUEST_CHANNEL, {
      method: request.method,
      url: request.url,
      body: request.body,
    }) as Promise<BridgeResponse>,
  onEvent(listener) {
    const handler = (_event: IpcRendererEvent, payload: BridgeEvent): void => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('dbaas', bridge);
