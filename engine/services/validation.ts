import type { z } from 'zod';
import { ValidationError } from '../base/errors';
import { checkInput } from '../domain';

/** Parses input with a schema; a failure is a ValidationError naming each field and its rule. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = checkInput(schema, input);
  if (result.ok) return result.value;
  const first = result.problems[0];
  throw new ValidationError(
    first ? `invalid request: ${first.message}` : 'invalid request',
    result.problems,
  );
}
