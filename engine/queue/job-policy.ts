/**
 * What both queue adapters decide the same way: option defaults and limits, id validation, and what
 * a handler's result or error means for the job. Pure, so the adapters differ only in storage.
 */
import { backoffDelay, isEngineError, ValidationError, type BackoffPolicy } from '../base';
import { IdSchema } from '../domain/common';
import {
  DEFAULT_QUEUE_START_OPTIONS,
  type JobHandler,
  type JobResult,
  type QueueJob,
  type QueueStartOptions,
} from './index';

/** Start options with every default filled in. */
export interface ResolvedStartOptions {
  concurrency: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
}

export const MAX_CONCURRENCY = 10;
const MAX_ATTEMPTS_LIMIT = 100;
const REASON_MAX_LENGTH = 500;

/** Fills defaults and refuses values outside the documented ranges. */
export function resolveStartOptions(options: QueueStartOptions = {}): ResolvedStartOptions {
  const concurrency = options.concurrency ?? DEFAULT_QUEUE_START_OPTIONS.concurrency;
  const maxAttempts = options.maxAttempts ?? DEFAULT_QUEUE_START_OPTIONS.maxAttempts;
  const details = [];
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    details.push({
      path: 'concurrency',
      rule: 'range',
      message: `must be an integer in 1..${MAX_CONCURRENCY}`,
    });
  }
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
    details.push({
      path: 'maxAttempts',
      rule: 'range',
      message: `must be an integer in 1..${MAX_ATTEMPTS_LIMIT}`,
    });
  }
  if (details.length > 0) throw new ValidationError('invalid queue start options', details);
  return {
    concurrency,
    maxAttempts,
    backoff: options.backoff ?? DEFAULT_QUEUE_START_OPTIONS.backoff,
  };
}

/** Operation ids and keys end up in Redis key names and SQL rows: both must be entity ids. */
export function validateJob(job: { operationId: string; key: string }): void {
  const details = [];
  if (!IdSchema.safeParse(job.operationId).success) {
    details.push({ path: 'operationId', rule: 'id', message: 'must be an entity id' });
  }
  if (!IdSchema.safeParse(job.key).success) {
    details.push({ path: 'key', rule: 'id', message: 'must be an entity id' });
  }
  if (details.length > 0) throw new ValidationError('invalid queue job', details);
}

/** How one delivery ended, before policy is applied. */
export type HandlerEnd = { result: JobResult } | { error: unknown };

/** What the queue does next with a job after one delivery. */
export type JobDecision =
  { kind: 'done' } | { kind: 'retry'; delayMs: number } | { kind: 'failed'; reason: string };

/** Runs the handler, turning a synchronous throw or a malformed result into an error. */
export async function invokeHandler(
  handler: JobHandler,
  job: QueueJob,
  signal: AbortSignal,
): Promise<HandlerEnd> {
  try {
    const result = await handler(job, signal);
    if (!isJobResult(result)) return { error: new Error('the handler returned no valid result') };
    return { result };
  } catch (error) {
    return { error };
  }
}

/**
 * Applies the retry policy: `retry` and ordinary errors are retried with backoff until
 * `maxAttempts` deliveries were made; a terminal EngineError or `failed` settles at once.
 */
export function decide(
  end: HandlerEnd,
  attempt: number,
  options: ResolvedStartOptions,
  random: () => number = Math.random,
): JobDecision {
  if ('result' in end) {
    if (end.result.outcome === 'done') return { kind: 'done' };
    if (end.result.outcome === 'failed') return { kind: 'failed', reason: clip(end.result.reason) };
  } else if (isEngineError(end.error) && end.error.terminal) {
    return { kind: 'failed', reason: describeError(end.error) };
  }
  const reason = 'result' in end ? 'the handler asked for a retry' : describeError(end.error);
  if (attempt >= options.maxAttempts) {
    return { kind: 'failed', reason: `gave up after ${attempt} attempts: ${reason}` };
  }
  const asked = 'result' in end && end.result.outcome === 'retry' ? end.result.delayMs : undefined;
  const delayMs =
    asked !== undefined && Number.isFinite(asked) && asked >= 0
      ? Math.min(asked, options.backoff.maxMs)
      : backoffDelay(attempt, options.backoff, random);
  return { kind: 'retry', delayMs: Math.round(delayMs) };
}

/** The reason of a job whose deliveries kept being interrupted (crash, lost lease) until none were left. */
export function interruptedReason(attempts: number): string {
  return `gave up after ${attempts} attempts: the worker running the job stopped or crashed`;
}

/**
 * A secret-free, bounded description. Engine errors carry vetted messages; any other error may
 * quote a driver's text (a connection string, a token), so only its kind is kept.
 */
export function describeError(error: unknown): string {
  if (isEngineError(error)) return clip(`${error.code}: ${error.message}`);
  if (error instanceof Error) return clip(`the handler failed unexpectedly (${error.name})`);
  return 'the handler failed unexpectedly';
}

function clip(text: string): string {
  return text.length > REASON_MAX_LENGTH ? `${text.slice(0, REASON_MAX_LENGTH - 1)}…` : text;
}

function isJobResult(value: unknown): value is JobResult {
  if (typeof value !== 'object' || value === null) return false;
  const outcome = (value as { outcome?: unknown }).outcome;
  if (outcome === 'done' || outcome === 'retry') return true;
  return outcome === 'failed' && typeof (value as { reason?: unknown }).reason === 'string';
}
