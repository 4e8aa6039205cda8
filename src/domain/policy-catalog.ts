import { createTwoFilesPatch } from 'diff';
import diffObjects from 'microdiff';
import { stringify as toYaml } from 'yaml';
import { z } from 'zod';
import { InstantSchema } from './sla-clock.js';

/**
 * The policy catalog (issue 14): every policy version a team saved, who wrote it and why, and which
 * one is live. A version is identified by its `number` (1, 2, …); its document's own `version` is
 * the label each hand-off records as its policyVersion. Pure code: the store is src/db/policies.ts.
 */
export const POLICY_STATUSES = ['published', 'draft', 'retired'] as const;

export const PolicyVersionSchema = z
  .object({
    number: z.number().int().positive(),
    version: z.string().meta({ description: "The document's `version`: what hand-offs started under it record as their policyVersion" }),
    status: z.enum(POLICY_STATUSES).meta({
      description: 'published: the live policy new hand-offs take; draft: never published; retired: published once, superseded since',
    }),
    author: z.string(),
    note: z.string(),
    basedOn: z.number().int().positive().nullable(),
    createdAt: InstantSchema,
    publishedAt: InstantSchema.nullable().meta({ description: 'Its latest publication' }),
    publishedBy: z.string().nullable(),
  })
  .meta({ id: 'PolicyVersion' });
export type PolicyVersion = z.infer<typeof PolicyVersionSchema>;

/** A policy document as written (durations as strings); validated by PolicySchema before it is stored. */
export const PolicyDocumentSchema = z
  .record(z.string(), z.unknown())
  .meta({ id: 'PolicyDocument', description: 'A policy document (DESIGN §2.4a), as in policy/default.yaml' });
export type PolicyDocument = z.infer<typeof PolicyDocumentSchema>;

export const PolicyVersionDetailSchema = PolicyVersionSchema.extend({ document: PolicyDocumentSchema }).meta({ id: 'PolicyVersionDetail' });
export type PolicyVersionDetail = z.infer<typeof PolicyVersionDetailSchema>;

export const PolicyChangeSchema = z.object({
  path: z.string().meta({ description: 'Dotted path in the document, e.g. scoring.threshold or scoring.rules.3.points' }),
  kind: z.enum(['added', 'removed', 'changed']),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});
export type PolicyChange = z.infer<typeof PolicyChangeSchema>;

export const PolicyDiffSchema = z
  .object({
    from: z.number().int().positive(),
    to: z.number().int().positive(),
    changes: z.array(PolicyChangeSchema),
    unified: z.string().meta({ description: 'The two documents as YAML, as a unified diff' }),
  })
  .meta({ id: 'PolicyDiff' });
export type PolicyDiff = z.infer<typeof PolicyDiffSchema>;

/** What changed from one document to another: path by path, and as a unified diff of their YAML. */
export function diffPolicies(
  from: { number: number; document: PolicyDocument },
  to: { number: number; document: PolicyDocument },
): PolicyDiff {
  const changes = diffObjects(from.document, to.document).map((d): PolicyChange => {
    const path = d.path.join('.');
    if (d.type === 'CREATE') return { path, kind: 'added', after: d.value };
    if (d.type === 'REMOVE') return { path, kind: 'removed', before: d.oldValue };
    return { path, kind: 'changed', before: d.oldValue, after: d.value };
  });
  const unified = createTwoFilesPatch(
    `policy-${from.number}.yaml`,
    `policy-${to.number}.yaml`,
    toYaml(from.document, { lineWidth: 0 }),
    toYaml(to.document, { lineWidth: 0 }),
    undefined,
    undefined,
    { context: 3 },
  );
  return { from: from.number, to: to.number, changes, unified };
}
