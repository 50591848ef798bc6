import { create } from 'zustand';
import type { HealthResponse, ReadinessResponse } from '../../../../../engine/api/contracts';
import type { ApiClient } from '../../api';
import { ApiError } from '../../api';

export interface HealthState {
  health: HealthResponse | null;
  readiness: ReadinessResponse | null;
  error: string | null;
  loading: boolean;
  /** Loads liveness and readiness; a 503 readiness is a state to show, not an error. */
  refresh: (client: ApiClient) => Promise<void>;
}

/** Builds the store; components use the default instance, tests build their own. */
export function createHealthStore() {
  return create<HealthState>((set) => ({
    health: null,
    readiness: null,
    error: null,
    loading: false,
    refresh: async (client) => {
      set({ loading: true, error: null });
      try {
        const health = await client.request<HealthResponse>('GET', '/api/v1/health');
        let readiness: ReadinessResponse;
        try {
          readiness = await client.request<ReadinessResponse>('GET', '/api/v1/health/ready');
        } catch (error) {
          if (!(error instanceof ApiError) || error.status !== 503) throw error;
          readiness = { ready: false, role: 'follower', checks: [] };
        }
        set({ health, readiness, loading: false });
      } catch (error) {
        set({ error: (error as Error).message, loading: false, health: null, readiness: null });
      }
    },
  }));
}

export const useHealthStore = createHealthStore();
