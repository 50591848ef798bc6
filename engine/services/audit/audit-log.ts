import { createHash } from 'node:crypto';
import { ConflictError } from '../../base/errors';
import { AUDIT_GENESIS_HASH, type AuditEvent, type AuditResult } from '../../domain';
import type { AuditEventRepository, AuditFilter, Page, PageRequest } from '../../store';
import { canonicalJson } from './canonical-json';

/** What a caller records; the log adds id, time, prevHash and hash. */
export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  /** What the target is (`database`, `provider`, `user`...) and its name at the time. */
  targetKind?: string;
  targetName?: string;
  result: AuditResult;
  requestId: string | null;
  sourceIp: string | null;
  details?: Record<string, unknown>;
}

/** The answer of a chain verification: the first broken event, if any. */
export interface AuditVerification {
  ok: boolean;
  /** Events checked (up to and including the first broken one). */
  checked: number;
  /** The id of the first event whose hash or link is wrong. */
  brokenAt: string | null;
  reason: string | null;
}

export interface AuditLogContext {
  events: AuditEventRepository;
  now: () => Date;
  newId: () => string;
  /** Bounded retries when another writer extended the chain first. Default 50. */
  maxAttempts?: number;
}

/** `sha256(prevHash + canonical JSON of the event without its hash)`, hex. */
export function hashAuditEvent(event: Omit<AuditEvent, 'hash'> & { hash?: string }): string {
  const { hash: _hash, ...rest } = event;
  return createHash('sha256')
    .update(event.prevHash + canonicalJson(rest), 'utf8')
    .digest('hex');
}

/**
 * Walks the chain oldest first and names the first event whose link (`prevHash` is not the previous
 * event's hash) or content (its hash does not match its fields) is broken.
 */
export async function verifyAuditChain(
  events: AsyncIterable<AuditEvent>,
): Promise<AuditVerification> {
  let expectedPrev = AUDIT_GENESIS_HASH;
  let checked = 0;
  for await (const event of events) {
    checked += 1;
    if (event.prevHash !== expectedPrev) {
      return {
        ok: false,
        checked,
        brokenAt: event.id,
        reason: 'prevHash does not match the previous event (an event was removed or reordered)',
      };
    }
    if (hashAuditEvent(event) !== event.hash) {
      return {
        ok: false,
        checked,
        brokenAt: event.id,
        reason: 'the hash does not match the event (it was edited)',
      };
    }
    expectedPrev = event.hash;
  }
  return { ok: true, checked, brokenAt: null, reason: null };
}

/**
 * The append-only, hash-chained audit trail. Appends from this process go one at a time (a promise
 * chain), and an append that lost the race to another engine re-reads the tail and retries, so
 * no event is lost under concurrency.
 */
export class AuditLog {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly context: AuditLogContext) {}

  record(entry: AuditEntry): Promise<AuditEvent> {
    const next = this.tail.then(() => this.append(entry));
    this.tail = next.catch(() => undefined);
    return next;
  }

  list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEvent>> {
    return this.context.events.list(filter, page);
  }

  verify(): Promise<AuditVerification> {
    return verifyAuditChain(this.context.events.listAll());
  }

  private async append(entry: AuditEntry): Promise<AuditEvent> {
    const id = this.context.newId();
    const time = this.context.now().toISOString();
    const attempts = this.context.maxAttempts ?? 50;
    for (let attempt = 1; ; attempt++) {
      const last = await this.context.events.last();
      const unsigned = {
        id,
        ...entry,
        ...(entry.details === undefined ? {} : { details: entry.details }),
        time,
        prevHash: last?.hash ?? AUDIT_GENESIS_HASH,
      };
      const event: AuditEvent = { ...unsigned, hash: hashAuditEvent(unsigned) };
      try {
        return await this.context.events.append(event);
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= attempts) throw error;
        // Another writer appended first: back off a little (jittered, bounded) and re-read the tail.
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(50, attempt * 2) * Math.random()),
        );
      }
    }
  }
}
