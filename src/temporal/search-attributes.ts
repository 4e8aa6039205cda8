import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Baton's search attributes (DESIGN §3): registered by the dev stack and by the compose setup. */
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

/** `name=Type` pairs as the Temporal CLI's `--search-attribute` flag takes them. */
export function searchAttributeCliArgs(): string[] {
  const cliType: Record<string, string> = {
    KEYWORD: 'Keyword',
    INT: 'Int',
    DATETIME: 'Datetime',
  };
  return batonSearchAttributes.flatMap((k) => ['--search-attribute', `${k.name}=${cliType[k.type]}`]);
}
