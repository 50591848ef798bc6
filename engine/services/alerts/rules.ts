/**
 * The built-in alert rules, their defaults, and a global admin's tuning of them (kept in the
 * store's meta map under `alert-rules`: one small record per rule, at most 100 overrides each).
 * Overrides apply per domain (`acme`) or project (`acme/shop`); the most specific one that sets a
 * field wins, field by field, over the rule's global value.
 */
import { z } from 'zod';
import { ConflictError, EngineError } from '../../base/errors';
import type { AlertRule, AlertRuleId, AlertSeverity } from '../../domain/alerts';
import type { ServiceContext } from '../context';
import { parseInput } from '../validation';

const KEY = 'alert-rules';
const MAX_OVERRIDES = 100;

/** The rules this version evaluates; the other ids of `AlertRuleId` are not evaluated yet. */
export const EVALUATED_RULES = [
  'database-down',
  'cluster-unreachable',
  'backup-failed',
  'operation-failed',
] as const satisfies readonly AlertRuleId[];
export type EvaluatedRuleId = (typeof EVALUATED_RULES)[number];

export const DEFAULT_RULES: Record<EvaluatedRuleId, AlertRule> = {
  'database-down': {
    id: 'database-down',
    description:
      'A database has been FAILED or UNKNOWN (its cluster unreachable) for longer than forSeconds',
    enabled: true,
    severity: 'critical',
    forSeconds: 120,
    thresholds: {},
    renotifySeconds: 4 * 3600,
  },
  'cluster-unreachable': {
    id: 'cluster-unreachable',
    description: 'A cluster has failed its health check for longer than forSeconds',
    enabled: true,
    severity: 'critical',
    forSeconds: 120,
    thresholds: {},
    renotifySeconds: 4 * 3600,
  },
  'backup-failed': {
    id: 'backup-failed',
    description:
      'The last backup of a database failed (a BackupSession Failed or Invalid, or a backup operation FAILED); resolves with the next successful backup',
    enabled: true,
    severity: 'warning',
    forSeconds: 0,
    thresholds: {},
    renotifySeconds: 24 * 3600,
  },
  'operation-failed': {
    id: 'operation-failed',
    description:
      'An operation on a database FAILED; resolves when an operation of the same type succeeds on it',
    enabled: true,
    severity: 'warning',
    forSeconds: 0,
    thresholds: {},
    renotifySeconds: 0,
  },
};

/** What the evaluator uses for one rule and one subject's scope. */
export interface EffectiveRule {
  id: EvaluatedRuleId;
  enabled: boolean;
  severity: AlertSeverity;
  forSeconds: number;
  renotifySeconds: number;
  thresholds: Record<string, number>;
}

const SCOPE = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?(\/[a-z]([-a-z0-9]{0,61}[a-z0-9])?)?$/;

function tuningSchema(rule: EvaluatedRuleId) {
  const severity = z.enum(['critical', 'warning', 'info'], {
    error: `severity of rule ${rule} must be critical, warning or info`,
  });
  const seconds = (field: string, max: number) =>
    z
      .number({ error: `${field} of rule ${rule} must be a number` })
      .int({ error: `${field} of rule ${rule} must be an integer` })
      .min(0, { error: `${field} of rule ${rule} must be at least 0` })
      .max(max, { error: `${field} of rule ${rule} must be at most ${max}` });
  // No evaluated rule has thresholds yet: any given key is refused by name.
  const thresholds = z.record(z.string(), z.number()).refine((t) => Object.keys(t).length === 0, {
    error: `rule ${rule} has no thresholds`,
  });
  const override = z
    .object({
      scope: z.string().regex(SCOPE, {
        error: `scope of an override of rule ${rule} must be a domain or domain/project (DNS labels)`,
      }),
      enabled: z.boolean({ error: `enabled of rule ${rule} must be true or false` }).optional(),
      severity: severity.optional(),
      forSeconds: seconds('forSeconds', 7 * 86_400).optional(),
      thresholds: thresholds.optional(),
    })
    .strict();
  return z
    .object({
      enabled: z.boolean({ error: `enabled of rule ${rule} must be true or false` }).optional(),
      severity: severity.optional(),
      forSeconds: seconds('forSeconds', 7 * 86_400).optional(),
      renotifySeconds: seconds('renotifySeconds', 30 * 86_400).optional(),
      thresholds: thresholds.optional(),
      overrides: z
        .array(override)
        .max(MAX_OVERRIDES, { error: `rule ${rule} takes at most ${MAX_OVERRIDES} overrides` })
        .refine((list) => new Set(list.map((o) => o.scope)).size === list.length, {
          error: `each scope may have one override in rule ${rule}`,
        })
        .optional(),
    })
    .strict();
}

type Tuning = z.infer<ReturnType<typeof tuningSchema>>;
type Tunings = Partial<Record<EvaluatedRuleId, Tuning>>;

export function isEvaluatedRule(id: string): id is EvaluatedRuleId {
  return (EVALUATED_RULES as readonly string[]).includes(id);
}

function merged(rule: EvaluatedRuleId, tuning: Tuning | undefined): AlertRule {
  const base = DEFAULT_RULES[rule];
  return {
    ...base,
    ...Object.fromEntries(Object.entries(tuning ?? {}).filter(([, v]) => v !== undefined)),
    id: rule,
    description: base.description,
  };
}

/** The rule's values for a subject in `domain`/`project` (none for a cluster): most specific wins. */
export function effectiveRule(rule: AlertRule, domain?: string, project?: string): EffectiveRule {
  const scopes = [domain, domain && project ? `${domain}/${project}` : undefined];
  let result: EffectiveRule = {
    id: rule.id as EvaluatedRuleId,
    enabled: rule.enabled,
    severity: rule.severity,
    forSeconds: rule.forSeconds,
    renotifySeconds: rule.renotifySeconds,
    thresholds: rule.thresholds,
  };
  for (const scope of scopes) {
    const override = scope ? rule.overrides?.find((o) => o.scope === scope) : undefined;
    if (!override) continue;
    result = {
      ...result,
      ...(override.enabled !== undefined ? { enabled: override.enabled } : {}),
      ...(override.severity ? { severity: override.severity } : {}),
      ...(override.forSeconds !== undefined ? { forSeconds: override.forSeconds } : {}),
      ...(override.thresholds
        ? { thresholds: { ...result.thresholds, ...override.thresholds } }
        : {}),
    };
  }
  return result;
}

/** `GET/PUT /api/v1/alert-rules[/:rule]`: defaults merged with the stored tuning. */
export class AlertRuleService {
  constructor(private readonly context: Pick<ServiceContext, 'store'>) {}

  async list(): Promise<{ items: AlertRule[] }> {
    const tunings = await this.read();
    return { items: EVALUATED_RULES.map((id) => merged(id, tunings.value[id])) };
  }

  async get(id: string): Promise<AlertRule> {
    const rule = this.known(id);
    return merged(rule, (await this.read()).value[rule]);
  }

  /**
   * Replaces the tuning of one rule: what the body leaves out goes back to the default (so `{}`
   * resets the rule). A dry run answers the rule as it would be and keeps nothing.
   */
  async put(id: string, input: unknown, options: { dryRun?: boolean } = {}): Promise<AlertRule> {
    const rule = this.known(id);
    const tuning = parseInput(tuningSchema(rule), input ?? {});
    if (options.dryRun) return merged(rule, tuning);
    for (let attempt = 0; ; attempt++) {
      const { value, revision } = await this.read();
      try {
        await this.context.store.meta.put(KEY, { ...value, [rule]: tuning }, revision);
        return merged(rule, tuning);
      } catch (error) {
        if (attempt >= 10 || !(error instanceof ConflictError)) throw error;
      }
    }
  }

  private known(id: string): EvaluatedRuleId {
    if (!isEvaluatedRule(id))
      throw new EngineError(
        'NOT_FOUND',
        `alert rule ${id} was not found (rules: ${EVALUATED_RULES.join(', ')})`,
      );
    return id;
  }

  private async read(): Promise<{ value: Tunings; revision: number | null }> {
    const entry = await this.context.store.meta.get(KEY);
    return {
      value: (entry?.value as Tunings | undefined) ?? {},
      revision: entry?.revision ?? null,
    };
  }
}
