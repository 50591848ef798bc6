import type { z } from 'zod';

/** One problem with one input field; the same shape as `ErrorDetail` of engine/base. */
export interface FieldProblem {
  /** Dotted path of the field (`storage.size`, `topology.shards`); '' for the whole input. */
  path: string;
  /** The rule that was broken (zod's issue code, or `custom` for product rules). */
  rule: string;
  message: string;
}

/** Turns zod issues into field problems whose messages always name the field. */
export function toFieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const message =
      path === '' || issue.message.startsWith(path) ? issue.message : `${path}: ${issue.message}`;
    return { path, rule: issue.code, message };
  });
}

/** The result of `checkInput`. */
export type CheckResult<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

/** Parses `input` with `schema` without throwing; services wrap `problems` in a ValidationError. */
export function checkInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
): CheckResult<z.infer<S>> {
  const result = schema.safeParse(input);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, problems: toFieldProblems(result.error) };
}
