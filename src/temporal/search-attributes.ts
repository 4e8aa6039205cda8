import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Baton's search attributes (DESIGN §3): registered by the dev stack and by the compose setup.
 * The workflow imports this module: keep it free of anything heavy (the proto definitions live in
 * `indexed-types.ts`), since every workflow evaluates the modules it imports.
 */
export const HandoffStageKey = defineSearchAttributeKey('HandoffStage', SearchAttributeType.KEYWORD);
export const HandoffTierKey = defineSearchAttributeKey('HandoffTier', SearchAttributeType.KEYWORD);
export const HandoffOutcomeKey = defineSearchAttributeKey('HandoffOutcome', SearchAttributeType.KEYWORD);
export const SdrIdKey = defineSearchAttributeKey('SdrId', SearchAttributeType.KEYWORD);
export const AssignedAeKey = defineSearchAttributeKey('AssignedAe', SearchAttributeType.KEYWORD);
export const CompanyNameKey = defineSearchAttributeKey('CompanyName', SearchAttributeType.KEYWORD);
export const LeadScoreKey = defineSearchAttributeKey('LeadScore', SearchAttributeType.INT);
export const EscalationCountKey = defineSearchAttributeKey('EscalationCount', SearchAttributeType.INT);
export const ContactDeadlineKey = defineSearchAttributeKey('ContactDeadline', SearchAttributeType.DATETIME);

export const batonSearchAttributes = [
  HandoffStageKey,
  HandoffTierKey,
  HandoffOutcomeKey,
  SdrIdKey,
  AssignedAeKey,
  CompanyNameKey,
  LeadScoreKey,
  EscalationCountKey,
  ContactDeadlineKey,
] as const;
