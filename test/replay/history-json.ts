import proto from '@temporalio/proto';
import { createRequire } from 'node:module';

type History = proto.temporal.api.history.v1.IHistory;
type ProtoType = { fromObject(obj: unknown): unknown };
type ProtoJson = {
  toJson(type: ProtoType, message: unknown): unknown;
  fromJson(type: ProtoType, json: unknown, options?: { ignoreUnknownFields?: boolean }): History | null;
};

/**
 * Proto JSON (as `temporal workflow show -o json` writes it), done the way the SDK's internal
 * `proto-utils` does it, with the package roots only. The protojson comes from the protobufjs copy
 * that @temporalio/proto's types were built with: npm nests two copies of protobufjs 8 (one under
 * @temporalio/common, one under @temporalio/proto, while protobufjs 7 for grpc holds the top level),
 * and the SDK's own helpers fail across them with "type must be a Type".
 */
const requireFromProto = createRequire(createRequire(import.meta.url).resolve('@temporalio/proto'));
const protojson = requireFromProto('protobufjs/ext/protojson') as ProtoJson;
// The package's default export is the patched protobufjs Root; its generated types omit lookupType.
const historyType = (proto as unknown as { lookupType(name: string): ProtoType }).lookupType('temporal.api.history.v1.History');

/** A history (e.g. from `handle.fetchHistory()`) as proto JSON. */
export function historyToJSON(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, historyType.fromObject(history)), null, 2);
}

/** A history from the proto JSON `historyToJSON` wrote; fields a newer server added are ignored. */
export function historyFromJSON(json: unknown): History {
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (history === null) throw new TypeError('not a history in proto JSON');
  return history;
}
