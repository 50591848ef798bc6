import { ConflictError, type ErrorDetail } from '../base/errors';

/**
 * `create` (or `update`) would break a uniqueness rule. `fields` names the fields that form the
 * unique key (`['domain', 'project', 'name']`), and `details` carries them for the API's 409 body.
 */
export class DuplicateError extends ConflictError {
  override readonly details: readonly ErrorDetail[];
  readonly fields: readonly string[];

  constructor(what: string, fields: readonly string[], description: string, cause?: unknown) {
    super(`${what} ${description} already exists`, cause);
    this.name = 'DuplicateError';
    this.fields = fields;
    this.details = fields.map((field) => ({
      path: field,
      rule: 'unique',
      message: `${field} is already taken`,
    }));
  }
}

/**
 * `update` was given a record whose `revision` is not the stored one: someone changed it since it
 * was read. Re-read and retry (loops do), or answer 409 (the API does).
 */
export class StaleRevisionError extends ConflictError {
  override readonly details: readonly ErrorDetail[];

  constructor(what: string, id: string, revision: number) {
    super(`${what} ${id} was changed since it was read (revision ${revision} is stale)`);
    this.name = 'StaleRevisionError';
    this.details = [
      { path: 'revision', rule: 'stale', message: 'the record was changed since it was read' },
    ];
  }
}
