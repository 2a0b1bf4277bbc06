// Turns a kind definition (TypeBox schemas per version) into a CustomResourceDefinition
// with a structural openAPIV3Schema. The schema is the single source: the static types
// come from the same TypeBox objects (Static<typeof Spec>).
import type { TObject, TSchema } from '@sinclair/typebox';

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'date' | 'integer' | 'number' | 'boolean';
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
  readonly format?: string;
}

export interface VersionDefinition {
  readonly name: string;
  /** Exactly one version per kind is the storage version. */
  readonly storage: boolean;
  readonly served?: boolean;
  readonly deprecated?: boolean;
  readonly deprecationWarning?: string;
  readonly description: string;
  readonly spec: TObject;
  /** Omitted for kinds without status (Alert and Provider in v1beta3). */
  readonly status?: TObject;
  readonly printerColumns: readonly PrinterColumn[];
}

export interface KindDefinition {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly scope?: 'Namespaced' | 'Cluster';
  readonly versions: readonly VersionDefinition[];
}

export function defineKind<const K extends KindDefinition>(definition: K): K {
  const storage = definition.versions.filter((v) => v.storage);
  if (storage.length !== 1) {
    throw new Error(`${definition.kind}: expected exactly one storage version, found ${storage.length}`);
  }
  return definition;
}

export function apiVersionOf(kind: KindDefinition, version = storageVersion(kind).name): string {
  return `${kind.group}/${version}`;
}

export function storageVersion(kind: KindDefinition): VersionDefinition {
  const version = kind.versions.find((v) => v.storage);
  if (version === undefined) throw new Error(`${kind.kind} has no storage version`);
  return version;
}

export const READY_COLUMNS: readonly PrinterColumn[] = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
];
export const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
};

export function toCrd(kind: KindDefinition): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${kind.plural}.${kind.group}`,
      // Like Flux's CRDs: a Kustomization that installs them must not run variable substitution
      // over their schemas (descriptions and patterns contain `${...}`-like text).
      annotations: { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' },
      labels: { 'app.kubernetes.io/part-of': 'tide' },
    },
    spec: {
      group: kind.group,
      names: {
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.singular,
        ...(kind.shortNames === undefined ? {} : { shortNames: [...kind.shortNames] }),
        ...(kind.categories === undefined ? {} : { categories: [...kind.categories] }),
      },
      scope: kind.scope ?? 'Namespaced',
      versions: kind.versions.map((v) => versionSpec(kind, v)),
    },
  };
}

function versionSpec(kind: KindDefinition, version: VersionDefinition): Record<string, unknown> {
  const where = `${kind.kind} ${version.name}`;
  const properties: Record<string, unknown> = {
    apiVersion: { type: 'string', description: 'Versioned schema of this object.' },
    kind: { type: 'string', description: 'Kind of this object.' },
    metadata: { type: 'object' },
    spec: toStructural(version.spec, `${where} spec`),
  };
  if (version.status !== undefined) {
    properties['status'] = {
      ...toStructural(version.status, `${where} status`),
      default: { observedGeneration: -1 },
    };
  }
  const specRequired = (version.spec.required ?? []).length > 0;
  return {
    name: version.name,
    served: version.served ?? true,
    storage: version.storage,
    ...(version.deprecated === true ? { deprecated: true } : {}),
    ...(version.deprecationWarning === undefined ? {} : { deprecationWarning: version.deprecationWarning }),
    schema: {
      openAPIV3Schema: {
        type: 'object',
        description: version.description,
        properties,
        ...(specRequired ? { required: ['spec'] } : {}),
      },
    },
    ...(version.status === undefined ? {} : { subresources: { status: {} } }),
    additionalPrinterColumns: version.printerColumns.map((c) => ({ ...c })),
  };
}

/** JSONSchemaProps keys a structural CRD schema may carry. */
const ALLOWED_KEYS = new Set([
  'type',
  'format',
  'description',
  'title',
  'default',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'nullable',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'example',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);

/**
 * Rewrites a TypeBox JSON Schema into the subset a structural CRD schema accepts:
 * records become `additionalProperties`, literals become enums, TypeBox's own
 * keys are dropped. Anything else unknown is an error, so a schema that cannot be
 * expressed in a CRD fails at generation time, not at install time.
 */
export function toStructural(schema: TSchema, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case '$id':
      case '$schema':
        break;
      case 'const':
        out['enum'] = [value];
        break;
      case 'patternProperties': {
        const entries = Object.values(value as Record<string, TSchema>);
        if (entries.length !== 1 || entries[0] === undefined) {
          throw new Error(`${where}: only single-pattern records are supported`);
        }
        out['additionalProperties'] = toStructural(entries[0], `${where}{}`);
        break;
      }
      case 'additionalProperties':
        if (value === false) break; // CRDs prune unknown fields already; `false` is not allowed.
        out[key] =
          typeof value === 'object' && value !== null ? toStructural(value as TSchema, `${where}{}`) : value;
        break;
      case 'properties': {
        const properties: Record<string, unknown> = {};
        for (const [name, child] of Object.entries(value as Record<string, TSchema>)) {
          properties[name] = toStructural(child, `${where}.${name}`);
        }
        out[key] = properties;
        break;
      }
      case 'items':
        out[key] = toStructural(value as TSchema, `${where}[]`);
        break;
      case 'anyOf':
      case 'oneOf':
      case 'allOf':
        out[key] = (value as TSchema[]).map((s, i) => toStructural(s, `${where}<${key}${i}>`));
        break;
      default:
        if (!ALLOWED_KEYS.has(key))
          throw new Error(`${where}: schema keyword "${key}" cannot be used in a CRD`);
        out[key] = value;
    }
  }
  collapseLiteralUnion(out);
  return out;
}

/** `anyOf: [{enum:[a]},{enum:[b]}]` of one scalar type → `type` + `enum`. */
function collapseLiteralUnion(schema: Record<string, unknown>): void {
  const branches = schema['anyOf'];
  if (!Array.isArray(branches) || branches.length === 0) return;
  const literals = branches as Record<string, unknown>[];
  const type = literals[0]?.['type'];
  const onlyLiterals = literals.every(
    (b) =>
      Array.isArray(b['enum']) &&
      b['type'] === type &&
      Object.keys(b).every((k) => k === 'enum' || k === 'type'),
  );
  if (!onlyLiterals) return;
  delete schema['anyOf'];
  schema['type'] = type;
  schema['enum'] = literals.flatMap((b) => b['enum'] as unknown[]);
}
