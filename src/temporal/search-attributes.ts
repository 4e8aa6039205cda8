import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import proto from '@temporalio/proto';

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

type IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;

/** `name → indexed value type` as `operatorService.addSearchAttributes` takes them (KEYWORD → INDEXED_VALUE_TYPE_KEYWORD). */
export function searchAttributeIndexedTypes(): Record<string, IndexedValueType> {
  const { IndexedValueType } = proto.temporal.api.enums.v1;
  return Object.fromEntries(
    batonSearchAttributes.map((key) => {
      const type = IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`];
      if (type === undefined) throw new Error(`no indexed value type for search attribute type ${key.type}`);
      return [key.name, type];
    }),
  );
}
