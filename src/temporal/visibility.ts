import type { RawWorkflowExecutionInfo, WorkflowExecutionStatusName } from '@temporalio/client';
import { defaultPayloadConverter, SearchAttributeType, TypedSearchAttributes, type SearchAttributePair } from '@temporalio/common';
import proto from '@temporalio/proto';

type Payload = proto.temporal.api.common.v1.IPayload;
type Timestamp = proto.google.protobuf.ITimestamp;

/** What the hand-off list reads of one visibility record (`workflowService.listWorkflowExecutions`). */
export interface VisibilityRecord {
  workflowId: string;
  status: WorkflowExecutionStatusName;
  startTime: Date;
  closeTime?: Date;
  typedSearchAttributes: TypedSearchAttributes;
}

/**
 * Decodes a raw visibility record with the SDK's public pieces. The SDK's own decoder is internal and
 * its public `client.workflow.list()` hides the page token the paginated list needs
 * (temporalio/sdk-typescript#1289).
 */
export function visibilityRecordOf(raw: RawWorkflowExecutionInfo): VisibilityRecord {
  const startTime = dateOf(raw.startTime);
  if (!raw.execution?.workflowId || !startTime) throw new TypeError('visibility record without a workflow id or start time');
  return {
    workflowId: raw.execution.workflowId,
    status: statusName(raw.status),
    startTime,
    closeTime: dateOf(raw.closeTime),
    typedSearchAttributes: typedSearchAttributesOf(raw.searchAttributes?.indexedFields),
  };
}

const STATUS_PREFIX = 'WORKFLOW_EXECUTION_STATUS_';

/** The SDK's status names (`describe()`, `client.workflow.list()`), which spell CANCELLED the British way. */
function statusName(code: RawWorkflowExecutionInfo['status']): WorkflowExecutionStatusName {
  const name = code == null ? undefined : proto.temporal.api.enums.v1.WorkflowExecutionStatus[code];
  if (name === undefined) return 'UNKNOWN';
  const short = name.slice(STATUS_PREFIX.length);
  return (short === 'CANCELED' ? 'CANCELLED' : short) as WorkflowExecutionStatusName;
}

function dateOf(ts: Timestamp | null | undefined): Date | undefined {
  if (ts?.seconds == null) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000));
}

/** Typed search attributes from their payloads: JSON with the attribute's type in the `type` metadata. */
function typedSearchAttributesOf(fields: Record<string, Payload> | null | undefined): TypedSearchAttributes {
  const pairs: SearchAttributePair[] = [];
  for (const [name, payload] of Object.entries(fields ?? {})) {
    const typeName = payload.metadata?.type;
    const type = typeName ? TypedSearchAttributes.toSearchAttributeType(new TextDecoder().decode(typeName)) : undefined;
    if (type === undefined) continue;
    let value = defaultPayloadConverter.fromPayload<unknown>(payload);
    // Older servers wrap single values in an array.
    if (type !== SearchAttributeType.KEYWORD_LIST && Array.isArray(value)) {
      if (value.length !== 1) continue;
      value = value[0];
    }
    if (type === SearchAttributeType.DATETIME && typeof value === 'string') value = new Date(value);
    // TypedSearchAttributes.get() returns undefined for a value that does not fit the key's type.
    pairs.push({ key: { name, type }, value } as SearchAttributePair);
  }
  return new TypedSearchAttributes(pairs);
}
