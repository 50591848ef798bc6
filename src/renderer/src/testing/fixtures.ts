/**
 * Test fixtures for the renderer's component and store tests: sample entities and an in-memory
 * ApiClient whose answers each test chooses. Not part of the bundle (only tests import it).
 */
import type { BridgeEvent, HttpMethod } from '../../../shared/ipc';
import type { ApiClient, Database, Operation } from '../api';

/** A database with every field filled; override what the test cares about. */
export function sampleDatabase(overrides: Partial<Database> = {}): Database {
  const name = overrides.name ?? 'orders';
  return {
    id: `id-${name}`,
    name,
    engine: 'postgres',
    version: '16.4',
    domain: 'acme',
    project: 'shop',
    providerId: 'p1',
    namespace: 'acme-shop',
    replicas: 3,
    mode: 'cluster',
    topology: {},
    resources: { cpu: '500m', memory: '1Gi' },
    storage: { size: '10Gi' },
    deletionPolicy: 'Delete',
    halted: false,
    status: 'RUNNING',
    phase: 'Ready',
    readyReplicas: 3,
    endpoint: { host: `${name}.acme-shop.svc`, port: 5432 },
    conditions: [],
    drift: [],
    activeOperationId: null,
    statusReason: null,
    backup: null,
    labels: {},
    lastSyncedAt: null,
    revision: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** An operation with every field filled. */
export function sampleOperation(overrides: Partial<Operation> = {}): Operation {
  return {
    id: 'op-1',
    type: 'scale-horizontal',
    databaseId: 'id-orders',
    status: 'RUNNING',
    progress: 40,
    attempts: 1,
    maxAttempts: 3,
    steps: [],
    error: null,
    params: {},
    opsRequestName: null,
    startedAt: null,
    finishedAt: null,
    revision: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** One recorded call of the fake client. */
export interface Call {
  method: HttpMethod;
  url: string;
  body?: unknown;
}

/** An ApiClient that answers with `handler` and records every call; `emit` pushes an engine event. */
export function fakeClient(
  handler: (call: Call) => unknown,
): ApiClient & { calls: Call[]; emit(event: BridgeEvent): void } {
  const calls: Call[] = [];
  const listeners = new Set<(event: BridgeEvent) => void>();
  return {
    transport: 'http',
    calls,
    async request<T>(method: HttpMethod, url: string, body?: unknown): Promise<T> {
      const call = { method, url, body };
      calls.push(call);
      return (await handler(call)) as T;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      for (const listener of listeners) listener(event);
    },
  };
}
