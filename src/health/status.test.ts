import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { KubeObject } from '../api/object.js';
import { groupOf } from './fields.js';
import { groupKindKey, kindHealthRules } from './kinds/registry.js';
import { computeHealth, type HealthStatus } from './status.js';

// testdata/<kind>.yaml: live objects, each with the status it must get and a
// part of the message that must say why.
interface Fixture {
  readonly name: string;
  readonly expect: HealthStatus;
  readonly message: string;
  readonly object: KubeObject;
}

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const files = readdirSync(testdata).filter((f) => f.endsWith('.yaml'));

function load(file: string): Fixture[] {
  return parse(readFileSync(path.join(testdata, file), 'utf8')) as Fixture[];
}

for (const file of files) {
  describe(`health of ${file}`, () => {
    for (const fixture of load(file)) {
      it(fixture.name, () => {
        const result = computeHealth(fixture.object);
        assert.equal(result.status, fixture.expect, `status (message: ${result.message})`);
        assert.ok(
          result.message.includes(fixture.message),
          `message ${JSON.stringify(result.message)} should contain ${JSON.stringify(fixture.message)}`,
        );
      });
    }
  });
}

describe('fixture coverage', () => {
  const byKind = new Map<string, Set<HealthStatus>>();
  for (const file of files) {
    for (const f of load(file)) {
      const key = groupKindKey(groupOf(f.object.apiVersion), f.object.kind);
      const seen = byKind.get(key) ?? new Set<HealthStatus>();
      seen.add(f.expect);
      byKind.set(key, seen);
    }
  }
  for (const key of kindHealthRules.keys()) {
    it(`${key} has a Current fixture and a not-Current one`, () => {
      const seen = byKind.get(key);
      assert.ok(seen?.has('Current') === true, `no Current fixture for ${key}`);
      assert.ok(
        [...seen].some((s) => s !== 'Current'),
        `no in-progress or failed fixture for ${key}`,
      );
    });
  }
});

describe('computeHealth', () => {
  it('ignores the version: a rule is keyed by group and kind', () => {
    const obj: KubeObject = {
      apiVersion: 'apps/v1beta2',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'apps', generation: 1 },
      spec: { replicas: 1 },
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1 },
    };
    assert.equal(computeHealth(obj).status, 'InProgress');
    assert.match(computeHealth(obj).message, /minimum availability: 0 of 1 replica available/);
  });

  it('reads fields of the wrong type as absent instead of throwing', () => {
    const obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'apps' },
      spec: { replicas: 'three' },
      status: { replicas: null, conditions: 'nope' },
    } as unknown as KubeObject;
    assert.equal(computeHealth(obj).status, 'InProgress');
  });

  it('asks the custom checks first', () => {
    const obj: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'apps', deletionTimestamp: '2026-01-01T00:00:00Z' },
    };
    const seen: KubeObject[] = [];
    const result = computeHealth(obj, {
      forObject: (o) =>
        o.kind === 'Deployment'
          ? (x) => {
              seen.push(x);
              return { status: 'Current', message: 'custom' };
            }
          : undefined,
    });
    assert.deepEqual(result, { status: 'Current', message: 'custom' });
    assert.equal(seen[0], obj);
  });
});
