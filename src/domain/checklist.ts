import { z } from 'zod';
import { leadField, type Lead } from './lead.js';

/**
 * The mandatory hand-off checklist (DESIGN §2.1), as data: each item names the field(s) that
 * satisfy it. An item with several fields is satisfied by any one of them.
 */
export const CHECKLIST_ITEMS: ReadonlyArray<{ item: string; category: string; anyOf: readonly string[] }> = [
  { item: 'contact.name', category: 'prospect profile', anyOf: ['contact.name'] },
  { item: 'contact.title', category: 'prospect profile', anyOf: ['contact.title'] },
  { item: 'contact.email', category: 'prospect profile', anyOf: ['contact.email'] },
  { item: 'contact.authority', category: 'prospect profile', anyOf: ['contact.authority'] },
  { item: 'company.name', category: 'company data', anyOf: ['company.name'] },
  { item: 'company.domain', category: 'company data', anyOf: ['company.domain'] },
  { item: 'company.employees', category: 'company data', anyOf: ['company.employees'] },
  { item: 'company.industry', category: 'company data', anyOf: ['company.industry'] },
  { item: 'company.region', category: 'company data', anyOf: ['company.region'] },
  { item: 'company.techStack', category: 'company data', anyOf: ['company.techStack'] },
  { item: 'engagement.touchpoints', category: 'engagement history', anyOf: ['engagement.touchpoints'] },
  { item: 'engagement.replies', category: 'engagement history', anyOf: ['engagement.replies'] },
  { item: 'engagement.lastTouchAt', category: 'engagement history', anyOf: ['engagement.lastTouchAt'] },
  { item: 'engagement.meetingBooked', category: 'engagement history', anyOf: ['engagement.meetingBooked'] },
  { item: 'painPoints', category: 'pain points', anyOf: ['painPoints'] },
  { item: 'nextStep', category: 'next steps', anyOf: ['nextStep.meetingAt', 'nextStep.text'] },
  { item: 'urgency.timeline', category: 'urgency', anyOf: ['urgency.timeline'] },
  { item: 'urgency.budget', category: 'urgency', anyOf: ['urgency.budget'] },
  { item: 'context.objections', category: 'context', anyOf: ['context.objections'] },
  { item: 'context.champion', category: 'context', anyOf: ['context.champion'] },
  { item: 'context.decisionProcess', category: 'context', anyOf: ['context.decisionProcess'] },
  { item: 'context.whyNow', category: 'context', anyOf: ['context.whyNow', 'urgency.triggerEvent'] },
];

/** Lists whose emptiness must still be stated: `[]` counts as present. */
const MAY_BE_EMPTY = new Set(['company.techStack', 'context.objections']);

export const ChecklistResultSchema = z
  .object({ complete: z.boolean(), missing: z.array(z.string()).meta({ example: ['context.champion'] }) })
  .meta({ id: 'ChecklistResult' });
export type ChecklistResult = z.infer<typeof ChecklistResultSchema>;

export function checkChecklist(lead: Lead): ChecklistResult {
  const missing = CHECKLIST_ITEMS.filter(({ anyOf }) => !anyOf.some((path) => isPresent(lead, path))).map(({ item }) => item);
  return { complete: missing.length === 0, missing };
}

function isPresent(lead: Lead, path: string): boolean {
  const value = leadField(lead, path);
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim().length > 0;
  if (Array.isArray(value)) return MAY_BE_EMPTY.has(path) || value.length > 0;
  return true;
}
