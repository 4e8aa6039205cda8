import * as sdk from '@temporalio/common/lib/proto-utils.js';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root.js';
import proto from '@temporalio/proto';
import { createRequire } from 'node:module';

type History = sdk.History;
type ProtoType = { fromObject(obj: unknown): unknown };
type ProtoJson = {
  toJson(type: ProtoType, message: unknown): unknown;
  fromJson(type: ProtoType, json: unknown, options?: { ignoreUnknownFields?: boolean }): History;
};

/**
 * The SDK's history JSON helpers fail with "type must be a Type" when npm nests two copies of
 * protobufjs 8 (one under @temporalio/common, one under @temporalio/proto, as our lockfile does
 * while protobufjs 7 for grpc holds the top level): `instanceof` fails across the copies. Then we
 * do what the SDK does with the protojson of the copy the proto types were built with.
 */
const fromProtoCopy = (): { protojson: ProtoJson; historyType: ProtoType } => {
  const requireFromProto = createRequire(createRequire(import.meta.url).resolve('@temporalio/proto'));
  const protojson = requireFromProto('protobufjs/ext/protojson') as ProtoJson;
  const root = patchProtobufRoot(proto) as unknown as { lookupType(name: string): ProtoType };
  return { protojson, historyType: root.lookupType('temporal.api.history.v1.History') };
};

const isCopyMismatch = (err: unknown): boolean => err instanceof TypeError && err.message === 'type must be a Type';

/** `historyToJSON` from @temporalio/common (proto JSON, as `temporal workflow show -o json` writes it). */
export function historyToJSON(history: History): string {
  try {
    return sdk.historyToJSON(history);
  } catch (err) {
    if (!isCopyMismatch(err)) throw err;
    const { protojson, historyType } = fromProtoCopy();
    return JSON.stringify(protojson.toJson(historyType, historyType.fromObject(history)), null, 2);
  }
}

/** `historyFromJSON` from @temporalio/common, for files `historyToJSON` wrote. */
export function historyFromJSON(json: unknown): History {
  try {
    return sdk.historyFromJSON(json);
  } catch (err) {
    if (!isCopyMismatch(err)) throw err;
    const { protojson, historyType } = fromProtoCopy();
    return protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  }
}
