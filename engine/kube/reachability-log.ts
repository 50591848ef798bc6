import type { Logger } from 'pino';
import { UnavailableError, type Clock } from '../base';
import { KubeApiError } from './http';

/** How often a cluster that stays unreachable is mentioned again; 5 minutes. */
const DEFAULT_REMINDER_MS = 5 * 60_000;

/**
 * A cluster that cannot be reached is an expected condition, not an error with a stack: the
 * connection was refused, timed out or the name did not resolve (an UnavailableError from our HTTP
 * client, as opposed to an answer the server gave).
 */
export function isUnreachable(error: unknown): error is UnavailableError {
  return error instanceof UnavailableError && !(error instanceof KubeApiError);
}

export interface ReachabilityLogOptions {
  logger?: Logger;
  clock: Clock;
  /** Between two "still unreachable" reminders; 5 minutes. */
  reminderMs?: number;
}

/**
 * Logs a cluster's reachability as it changes, for every request made to that cluster (the status
 * sync's watch caches share one): "unreachable" once with the reason, a reminder at most every
 * `reminderMs` while it lasts, and "reachable again" with how long it was not. Without it, each
 * of a cluster's thirteen caches logged every backoff with a stack.
 */
export class ReachabilityLog {
  private down: { since: number; lastLoggedAt: number; failures: number } | null = null;

  constructor(private readonly options: ReachabilityLogOptions) {}

  get unreachable(): boolean {
    return this.down !== null;
  }

  /** A request failed because the cluster could not be reached. */
  failed(error: Error): void {
    const now = this.options.clock.now();
    if (!this.down) {
      this.down = { since: now, lastLoggedAt: now, failures: 1 };
      this.options.logger?.warn({ reason: error.message }, 'cluster unreachable');
      return;
    }
    this.down.failures++;
    if (now - this.down.lastLoggedAt < (this.options.reminderMs ?? DEFAULT_REMINDER_MS)) return;
    this.down.lastLoggedAt = now;
    this.options.logger?.warn(
      {
        reason: error.message,
        unreachableForMs: now - this.down.since,
        failures: this.down.failures,
      },
      'cluster still unreachable',
    );
  }

  /** A request reached the cluster. */
  succeeded(): void {
    if (!this.down) return;
    const { since, failures } = this.down;
    this.down = null;
    this.options.logger?.info(
      { unreachableForMs: this.options.clock.now() - since, failures },
      'cluster reachable again',
    );
  }
}
