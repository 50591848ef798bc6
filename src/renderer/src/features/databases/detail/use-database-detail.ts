import { useEffect, useRef, useState } from 'react';
import {
  ApiError,
  type ApiClient,
  type Database,
  type DatabaseDetailView,
  type DetailSectionError,
} from '../../../api';
import { useFleetStore } from '../../../stores';

/** What a panel is handed: its part of the detail, or null while loading. */
export type Section<T> = T | DetailSectionError | null;

/** A section's own error as an ApiError (for ErrorView), or null when it holds data. */
export function sectionError<T extends object>(section: Section<T>): ApiError | null {
  if (section === null || !('error' in section)) return null;
  const { code, message, details } = section.error;
  return new ApiError(
    code === 'NOT_FOUND' ? 404 : code === 'UNAVAILABLE' ? 503 : 500,
    code,
    message,
    [...details],
  );
}

/** A section's data, or null while loading or when it failed. */
export function sectionData<T extends object>(section: Section<T>): T | null {
  return section === null || 'error' in section ? null : section;
}

/** What makes the detail worth reading again: a newer record, other drift, another status. */
export function detailVersion(
  database: Pick<Database, 'updatedAt' | 'drift' | 'status'> | undefined,
): string {
  return database ? `${database.updatedAt}|${database.drift.length}|${database.status}` : 'unknown';
}

/** When the open database changes again and again, its detail is re-read at most this often. */
const REREAD_DELAY_MS = 500;

/**
 * The detail screen's one read, `GET /databases/:id/detail`, again whenever `version` (the
 * database's updatedAt, drift and status) changes. The caller keys its component by database id,
 * so nothing of another database survives a navigation; a failed read shows as `error` (a 429
 * says when to try again) and the database and its operations go to the fleet store.
 */
export function useDatabaseDetail(
  client: ApiClient,
  id: string,
  version: string,
): { detail: DatabaseDetailView | null; error: unknown } {
  const [detail, setDetail] = useState<DatabaseDetailView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const readOnce = useRef(false);
  /** The version of the database in the last answer: the store catching up to it is no change. */
  const answered = useRef<string | null>(null);
  useEffect(() => {
    if (readOnce.current && version === answered.current) return;
    let live = true;
    const read = (): void => {
      client
        .request<DatabaseDetailView>('GET', `/api/v1/databases/${encodeURIComponent(id)}/detail`)
        .then((answer) => {
          if (!live) return;
          setDetail(answer);
          setError(null);
          answered.current = detailVersion(answer.database);
          const fleet = useFleetStore.getState();
          fleet.upsertDatabase(answer.database);
          for (const operation of answer.operations) fleet.upsertOperation(operation);
        })
        .catch((failure: unknown) => {
          if (!live) return;
          setError(failure);
          if (failure instanceof ApiError && failure.status === 404)
            useFleetStore.getState().forgetDatabase(id);
        });
    };
    // The first read goes at once; re-reads after a change wait a little, so a burst is one read.
    let timer: ReturnType<typeof setTimeout> | null = null;
    if (readOnce.current) timer = setTimeout(read, REREAD_DELAY_MS);
    else read();
    readOnce.current = true;
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [client, id, version]);
  return { detail, error };
}
