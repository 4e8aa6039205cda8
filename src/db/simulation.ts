/**
 * The what-if simulator's inputs from the ledger: each hand-off submitted in a range with its lead
 * data (table `handoff_leads`), what was recorded of it (the projection), and the few instants the
 * replay needs from its events. Read-only: a simulation touches nothing live.
 */
import { LeadSchema } from '../domain/lead.js';
import type { Bucket } from '../domain/simulation-report.js';
import type { RecordedHandoff } from '../domain/simulation.js';
import type { Sql } from './database.js';

interface Row {
  handoff_id: string;
  company: string | null;
  submitted_at: Date | string;
  tier: string | null;
  score: number | null;
  outcome: string | null;
  first_ae_id: string | null;
  first_assigned_at: Date | string | null;
  first_contact_at: Date | string | null;
  closed_at: Date | string | null;
  reported_outcome: string | null;
  lead: unknown;
  policy_version: string | null;
  completed_at: Date | string | null;
  second_assigned_at: Date | string | null;
}

const ms = (value: Date | string | null): number | null => (value === null ? null : new Date(value).getTime());

export async function recordedHandoffs(
  db: Sql,
  range: { from: number; to: number },
): Promise<{ handoffs: RecordedHandoff[]; withoutLeadData: number }> {
  const { rows } = await db.query<Row>(
    `WITH chosen AS (
       SELECT * FROM handoff_projection WHERE submitted_at >= $1 AND submitted_at < $2
     ), marks AS (
       SELECT e.handoff_id,
         min(e.at) FILTER (WHERE e.event IN ('checklist_completed', 'icp_failed', 'scored')) AS completed_at,
         (array_agg(e.at ORDER BY e.seq) FILTER (WHERE e.event = 'assigned'))[2] AS second_assigned_at
       FROM handoff_events e JOIN chosen c ON c.handoff_id = e.handoff_id
       WHERE e.event IN ('checklist_completed', 'icp_failed', 'scored', 'assigned')
       GROUP BY e.handoff_id
     )
     SELECT c.handoff_id, c.company, c.submitted_at, c.tier, c.score, c.outcome, c.first_ae_id, c.first_assigned_at,
       c.first_contact_at, c.closed_at, c.reported_outcome, l.lead, l.policy_version, m.completed_at, m.second_assigned_at
     FROM chosen c
     LEFT JOIN handoff_leads l ON l.handoff_id = c.handoff_id
     LEFT JOIN marks m ON m.handoff_id = c.handoff_id
     ORDER BY c.submitted_at, c.handoff_id`,
    [new Date(range.from), new Date(range.to)],
  );
  const handoffs: RecordedHandoff[] = [];
  let withoutLeadData = 0;
  for (const row of rows) {
    const lead = row.lead === null ? undefined : LeadSchema.safeParse(row.lead).data;
    if (!lead) {
      withoutLeadData++;
      continue;
    }
    const firstAssignedAt = ms(row.first_assigned_at);
    handoffs.push({
      handoffId: row.handoff_id,
      company: row.company,
      lead,
      submittedAt: ms(row.submitted_at)!,
      readyAt: firstAssignedAt ?? ms(row.completed_at),
      firstAssignedAt,
      releasedAt: firstAssignedAt === null ? null : (ms(row.second_assigned_at) ?? ms(row.closed_at)),
      firstContactAt: ms(row.first_contact_at),
      recorded: {
        bucket: recordedBucket(row),
        score: row.score,
        aeId: row.first_ae_id,
        reportedOutcome: row.reported_outcome,
        policyVersion: row.policy_version,
      },
    });
  }
  return { handoffs, withoutLeadData };
}

/** Where the hand-off landed: its tier, nurture (scored below the threshold), not_icp, or a draft never completed. */
function recordedBucket(row: Row): Bucket {
  if (row.outcome === 'not_icp') return 'not_icp';
  if (row.tier === 'hot' || row.tier === 'warm' || row.tier === 'cool') return row.tier;
  return row.score !== null ? 'nurture' : 'draft';
}
