/**
 * Wire types of the HTTP API (API.md). The renderer imports these as types only, so this file
 * imports nothing but types.
 */
import type { ErrorCode, ErrorDetail } from '../base/errors';

/** The body of every error answer. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    details: readonly ErrorDetail[];
    requestId?: string;
  };
}

/** `GET /api/v1/health`: the process is alive. */
export interface HealthResponse {
  status: 'ok';
  version: string;
  mode: 'daemon' | 'desktop';
  uptimeSeconds: number;
}

/** One readiness check, e.g. the store, the queue or leadership. */
export interface ReadinessCheck {
  name: string;
  ok: boolean;
  message?: string;
}

/** `GET /api/v1/health/ready`: 200 when every check passes, 503 otherwise. */
export interface ReadinessResponse {
  ready: boolean;
  role: 'leader' | 'follower';
  checks: ReadinessCheck[];
}

/** A list page, as every list route answers. */
export interface ListResponse<T> {
  items: T[];
  nextCursor: string | null;
}
