import { z } from 'zod';
import { leadField, type Lead } from './lead.js';
import { SCORE_CATEGORIES, type Condition, type Policy, type ScoreCategory } from './policy.js';

export const FiredRuleSchema = z.object({
  id: z.string(),
  category: z.enum(SCORE_CATEGORIES),
  description: z.string(),
  points: z.number().int(),
});
export type FiredRule = z.infer<typeof FiredRuleSchema>;

export const ScoreSchema = z
  .object({
    total: z.number().int(),
    fit: z.number().int(),
    engagement: z.number().int(),
    intent: z.number().int(),
    rules: z.array(FiredRuleSchema).meta({ description: 'Every rule that fired, with the points it gave before category caps' }),
    capped: z.array(z.enum(SCORE_CATEGORIES)).meta({ description: 'Categories whose raw sum exceeded their cap' }),
  })
  .meta({ id: 'Score' });
export type Score = z.infer<typeof ScoreSchema>;

/** The explainable scoring matrix (DESIGN §2.3): policy rules in, subtotals and reasons out. */
export function scoreLead(lead: Lead, scoring: Policy['scoring']): Score {
  const rules: FiredRule[] = [];
  for (const rule of scoring.rules) {
    const points = rulePoints(lead, rule.when, rule.points, rule.pointsEach);
    if (points > 0) rules.push({ id: rule.id, category: rule.category, description: rule.description, points });
  }
  const subtotals = { fit: 0, engagement: 0, intent: 0 };
  const capped: ScoreCategory[] = [];
  for (const category of SCORE_CATEGORIES) {
    const raw = rules.filter((r) => r.category === category).reduce((sum, r) => sum + r.points, 0);
    subtotals[category] = Math.min(raw, scoring.caps[category]);
    if (raw > scoring.caps[category]) capped.push(category);
  }
  return { total: subtotals.fit + subtotals.engagement + subtotals.intent, ...subtotals, rules, capped };
}

function rulePoints(lead: Lead, when: Condition, points: number, pointsEach: number | undefined): number {
  if (when.op === 'count') {
    const items = leadField(lead, when.field);
    const count = Array.isArray(items) ? items.length : 0;
    if (count < when.min) return 0;
    return pointsEach === undefined ? points : Math.min(points, count * pointsEach);
  }
  return matches(lead, when) ? points : 0;
}

function matches(lead: Lead, when: Exclude<Condition, { op: 'count' }>): boolean {
  switch (when.op) {
    case 'between': {
      const value = leadField(lead, when.field);
      return typeof value === 'number' && (when.min === undefined || value >= when.min) && (when.max === undefined || value <= when.max);
    }
    case 'in': {
      const value = leadField(lead, when.field);
      return typeof value === 'string' && when.values.some((v) => v.toLowerCase() === value.toLowerCase());
    }
    case 'intersects': {
      const value = leadField(lead, when.field);
      if (!Array.isArray(value)) return false;
      const wanted = new Set(when.values.map((v) => v.toLowerCase()));
      return value.some((item) => typeof item === 'string' && wanted.has(item.toLowerCase()));
    }
    case 'isTrue':
      return leadField(lead, when.field) === true;
    case 'present': {
      const value = leadField(lead, when.field);
      if (typeof value === 'string') return value.trim().length > 0;
      if (Array.isArray(value)) return value.length > 0;
      return value !== undefined && value !== null && value !== false;
    }
    case 'ratioAtLeast': {
      const numerator = leadField(lead, when.numerator);
      const denominator = leadField(lead, when.denominator);
      return typeof numerator === 'number' && typeof denominator === 'number' && denominator > 0 && numerator / denominator >= when.min;
    }
  }
}
