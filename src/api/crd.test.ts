import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { CRD_DIR, crdFileName, renderCrd } from './crd-files.js';
import { defineKind, toCrd, toStructural } from './crd.js';
import { allKinds } from './kinds.js';
import { MapOf, StringEnum } from './schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('CRD generation', () => {
  it('committed CRDs match what the schemas generate (run scripts/gen-crds.ts)', async () => {
    for (const kind of allKinds) {
      const committed = await readFile(path.join(root, CRD_DIR, crdFileName(kind)), 'utf8').catch(() => '');
      assert.equal(committed, renderCrd(kind), `${CRD_DIR}/${crdFileName(kind)} is out of date`);
    }
  });

  it('turns records into additionalProperties and literal unions into enums', () => {
    const schema = Type.Object({
      labels: MapOf(Type.String()),
      mode: Type.Union([Type.Literal('a'), Type.Literal('b')]),
      policy: StringEnum(['x', 'y'] as const),
      opt: Type.Optional(Type.Integer({ minimum: 1 })),
    });
    assert.deepEqual(toStructural(schema, 'test'), {
      type: 'object',
      required: ['labels', 'mode', 'policy'],
      properties: {
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        mode: { type: 'string', enum: ['a', 'b'] },
        policy: { type: 'string', enum: ['x', 'y'] },
        opt: { type: 'integer', minimum: 1 },
      },
    });
  });

  it('refuses schema keywords a CRD cannot carry', () => {
    const schema = Type.Object({ ref: Type.Unsafe({ $ref: '#/x' }) });
    assert.throws(() => toStructural(schema, 'Thing spec'), /Thing spec\.ref: schema keyword "\$ref"/);
  });

  it('requires one storage version and defaults status.observedGeneration to -1', () => {
    const version = {
      name: 'v1',
      description: 'd',
      spec: Type.Object({ a: Type.String() }),
      status: Type.Object({}),
      printerColumns: [],
    };
    assert.throws(
      () =>
        defineKind({
          group: 'g',
          kind: 'K',
          plural: 'ks',
          singular: 'k',
          versions: [{ ...version, storage: false }],
        }),
      /exactly one storage version/,
    );
    const crd = toCrd(
      defineKind({
        group: 'g',
        kind: 'K',
        plural: 'ks',
        singular: 'k',
        versions: [{ ...version, storage: true }],
      }),
    ) as { spec: { versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[] } };
    const schema = crd.spec.versions[0]?.schema.openAPIV3Schema as {
      required: string[];
      properties: { status: { default: unknown } };
    };
    assert.deepEqual(schema.required, ['spec']);
    assert.deepEqual(schema.properties.status.default, { observedGeneration: -1 });
  });

  it('gives every kind unique names and exactly one storage version', () => {
    const names = new Set<string>();
    for (const kind of allKinds) {
      const name = `${kind.plural}.${kind.group}`;
      assert.ok(!names.has(name), `${name} defined twice`);
      names.add(name);
      assert.equal(kind.versions.filter((v) => v.storage).length, 1, kind.kind);
    }
  });
});
