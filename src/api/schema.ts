// Building blocks for kind schemas. Every schema here is a TypeBox schema, so one
// definition yields both the static TypeScript type (Static<typeof X>) and the JSON
// Schema that src/api/crd.ts turns into a CRD's structural openAPIV3Schema.
import { Type, type TSchema, type TUnsafe, type SchemaOptions } from '@sinclair/typebox';

/** Go duration with hours allowed (Flux `interval` fields). */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';
/** Go duration without hours (Flux `timeout` fields of source kinds). */
export const SHORT_DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$';

export function Duration(options: SchemaOptions = {}) {
  return Type.String({ pattern: DURATION_PATTERN, ...options });
}

export function ShortDuration(options: SchemaOptions = {}) {
  return Type.String({ pattern: SHORT_DURATION_PATTERN, ...options });
}

/** A closed set of strings, emitted as `type: string` + `enum` (not an anyOf of consts). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** A string-keyed map, emitted as `additionalProperties`. */
export function MapOf<T extends TSchema>(value: T, options: SchemaOptions = {}) {
  return Type.Record(Type.String(), value, options);
}

export function StringMap(options: SchemaOptions = {}) {
  return MapOf(Type.String(), options);
}

/** Arbitrary JSON kept as-is by the API server (`x-kubernetes-preserve-unknown-fields`). */
export function FreeForm(options: SchemaOptions = {}): TUnsafe<unknown> {
  return Type.Unsafe<unknown>({ 'x-kubernetes-preserve-unknown-fields': true, ...options });
}

/** A JSON object whose fields the API server keeps unvalidated. */
export function FreeFormObject(options: SchemaOptions = {}): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
    ...options,
  });
}

export function Int64(options: SchemaOptions = {}) {
  return Type.Integer({ format: 'int64', ...options });
}

export function Int32(options: SchemaOptions = {}) {
  return Type.Integer({ format: 'int32', ...options });
}

/** RFC 3339 timestamp as the API server serializes metav1.Time. */
export function Timestamp(options: SchemaOptions = {}) {
  return Type.String({ format: 'date-time', ...options });
}

/** A CEL validation rule attached to a schema (`x-kubernetes-validations`). */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  readonly fieldPath?: string;
  readonly reason?:
    'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export function celRules(...rules: CelRule[]): { 'x-kubernetes-validations': CelRule[] } {
  return { 'x-kubernetes-validations': rules };
}
