import { z } from 'zod';
import type { HandoffState } from './state.js';

/**
 * Who Baton tells of what (DESIGN §2.4–2.6). The workflow decides the kind and the people involved;
 * this module decides who of them hears of it. Delivery is the notify activity's business.
 */
export const NOTIFICATION_KINDS = [
  /** The AE: a hand-off was assigned to them, with its package (who, company, pain, next step, score, deadline). */
  'assignment',
  /** The AE: a share of the first-contact window has passed. */
  'contact_reminder',
  /**
   * The AE's manager, and the AE (in their assignment's Slack thread): the AE missed the window,
   * could not be booked, or a manager escalated.
   */
  'escalation',
  /** The SDR: the lead is back with them (rejected, window missed, returned by a manager). */
  'returned_to_sdr',
  /** The SDR and their manager: the lead was not assigned within its hand-off window. */
  'handoff_window_missed',
  /** The sales managers: nobody in the roster can take the lead. */
  'no_eligible_ae',
  /** The AE: the outcome and rating are due. */
  'feedback_reminder',
  /**
   * The prospect, with the SDR and the AE in copy: the AE accepted, here they are, with the meeting
   * invite (or its cancellation when the lead goes to another AE).
   */
  'warm_intro',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const RECIPIENT_ROLES = ['ae', 'ae_manager', 'sdr', 'sdr_manager', 'sales_managers', 'prospect'] as const;
export type RecipientRole = (typeof RECIPIENT_ROLES)[number];

/**
 * Alerts that come in bursts (a roster gap leaves many leads without an AE at once): after one has
 * gone out, the rest of the same kind to the same person and channel within the digest window are
 * folded into one message at its end. Assignments (with their buttons), reminders (in their
 * threads) and introductions always go out one by one.
 */
export const DIGEST_KINDS: ReadonlySet<NotificationKind> = new Set(['no_eligible_ae', 'handoff_window_missed', 'escalation']);

/** The group that stands for the sales managers (and for a manager nobody named). */
export const SALES_MANAGERS = 'sales-manager';

const AUDIENCE: Record<NotificationKind, readonly RecipientRole[]> = {
  assignment: ['ae'],
  contact_reminder: ['ae'],
  escalation: ['ae_manager', 'ae'],
  returned_to_sdr: ['sdr'],
  handoff_window_missed: ['sdr', 'sdr_manager'],
  no_eligible_ae: ['sales_managers'],
  feedback_reminder: ['ae'],
  warm_intro: ['prospect'],
};

/** The people of a hand-off: the SDR's manager comes from the principals file, the AE's from the roster. */
export interface HandoffPeople {
  sdrId: string;
  sdrManagerId?: string;
  aeId?: string;
  aeManagerId?: string;
  /** The prospect's email address (the lead's contact). */
  prospect?: string;
}

export const RecipientSchema = z.object({ id: z.string().min(1), role: z.enum(RECIPIENT_ROLES) });
export type Recipient = z.infer<typeof RecipientSchema>;

/**
 * The recipients of a notification kind. A manager nobody named falls back to the sales managers,
 * so an escalation always reaches someone who can act; each person is told once.
 */
export function recipientsOf(kind: NotificationKind, people: HandoffPeople): Recipient[] {
  const idOf: Record<RecipientRole, string | undefined> = {
    ae: people.aeId,
    ae_manager: people.aeManagerId,
    sdr: people.sdrId,
    sdr_manager: people.sdrManagerId,
    sales_managers: SALES_MANAGERS,
    prospect: people.prospect,
  };
  const recipients: Recipient[] = [];
  for (const role of AUDIENCE[kind]) {
    const id = idOf[role] ?? (role.endsWith('_manager') ? SALES_MANAGERS : undefined);
    const as: RecipientRole = idOf[role] ? role : 'sales_managers';
    if (id && !recipients.some((r) => r.id === id)) recipients.push({ id, role: as });
  }
  return recipients;
}

/**
 * What a recipient needs to act on a hand-off without opening anything: the hand-off package of an
 * assignment, and the context of every other notification (DESIGN §2.1, §2.3).
 */
export const HandoffPackageSchema = z.object({
  company: z.string(),
  contact: z.object({ name: z.string(), title: z.string().optional(), email: z.string().optional() }),
  painPoints: z.array(z.string()),
  nextStep: z.object({ text: z.string().optional(), meetingAt: z.string().optional(), meetingLink: z.string().optional() }).optional(),
  score: z.number().optional(),
  tier: z.string().optional(),
  /** Why it scored as it did: the matched rules' labels with their points. */
  reasons: z.array(z.string()),
  contactBy: z.string().optional(),
  sdrId: z.string(),
  aeId: z.string().optional(),
});
export type HandoffPackage = z.infer<typeof HandoffPackageSchema>;

export const NotificationSchema = z.object({
  /** Idempotency key: workflow id + step + business key. */
  key: z.string().min(1),
  handoffId: z.string().min(1),
  kind: z.enum(NOTIFICATION_KINDS),
  to: z.array(RecipientSchema).min(1),
  message: z.string(),
  /** The hand-off as the recipients need it (absent in notifications sent before it existed). */
  handoff: HandoffPackageSchema.optional(),
  /** People in copy (the warm introduction's SDR and AE). */
  cc: z.array(RecipientSchema).optional(),
  /** A digest (set by the delivery, never by the workflow): the burst's notifications folded into this one. */
  digest: z.array(z.object({ handoffId: z.string(), message: z.string() })).optional(),
  /** The warm introduction's calendar invite: one UID per hand-off, SEQUENCE bumped by every change. */
  invite: z.object({ uid: z.string(), sequence: z.number().int().min(0), method: z.enum(['REQUEST', 'CANCEL']) }).optional(),
});
export type Notification = z.infer<typeof NotificationSchema>;

/** The package a notification carries, from the hand-off's state (a draft's missing fields stay out). */
export function handoffPackage(state: HandoffState): HandoffPackage {
  const { lead } = state;
  const nextStep = lead.nextStep && {
    ...(lead.nextStep.text !== undefined ? { text: lead.nextStep.text } : {}),
    ...(lead.nextStep.meetingAt !== undefined ? { meetingAt: lead.nextStep.meetingAt } : {}),
    ...(lead.nextStep.meetingLink !== undefined ? { meetingLink: lead.nextStep.meetingLink } : {}),
  };
  return {
    company: lead.company?.name ?? state.id,
    contact: {
      name: lead.contact?.name ?? 'unknown contact',
      ...(lead.contact?.title !== undefined ? { title: lead.contact.title } : {}),
      ...(lead.contact?.email !== undefined ? { email: lead.contact.email } : {}),
    },
    painPoints: lead.painPoints ?? [],
    ...(nextStep ? { nextStep } : {}),
    ...(state.score ? { score: state.score.total } : {}),
    ...(state.tier ? { tier: state.tier } : {}),
    reasons: (state.score?.rules ?? []).map((r) => `${r.description} (+${r.points})`),
    ...(state.deadlines.contactBy ? { contactBy: state.deadlines.contactBy } : {}),
    sdrId: state.sdrId,
    ...(state.assignedAe ? { aeId: state.assignedAe } : {}),
  };
}
