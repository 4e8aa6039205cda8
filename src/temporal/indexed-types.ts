import proto from '@temporalio/proto';
import { batonSearchAttributes } from './search-attributes.js';

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
