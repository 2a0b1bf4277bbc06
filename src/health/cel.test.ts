import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CustomHealthCheck } from '../api/meta/kustomize.js';
import type { KubeObject } from '../api/object.js';
import { CelError, compileCel, compileHealthChecks, MAX_EXPRESSION_LENGTH } from './cel.js';
import { computeHealth, type HealthResult } from './status.js';

function celError(fn: () => unknown): CelError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CelError, `expected a CelError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a CelError, nothing was thrown');
}

function widget(status: Record<string, unknown> | undefined, generation = 1): KubeObject {
  return {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', namespace: 'apps', generation },
    spec: { size: 3 },
    ...(status === undefined ? {} : { status }),
  };
}

function healthWith(checks: CustomHealthCheck[], obj: KubeObject): HealthResult {
  return computeHealth(obj, compileHealthChecks(checks));
}

describe('compileCel', () => {
  const dependsOn = { variables: ['self', 'dep'] };

  it('evaluates the readyExpr example of the Flux docs with self and dep', () => {
    const expr = compileCel(
      `dep.metadata.labels['app/version'] == self.metadata.labels['app/version'] &&
       dep.status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True') &&
       dep.metadata.generation == dep.status.observedGeneration`,
      dependsOn,
    );
    const self = { metadata: { name: 'frontend', labels: { 'app/version': 'v1.2.3' } } };
    const dep = (version: string, ready: string, observed: number): unknown => ({
      metadata: { name: 'backend', generation: 2, labels: { 'app/version': version } },
      status: { observedGeneration: observed, conditions: [{ type: 'Ready', status: ready }] },
    });
    assert.equal(expr.evaluate({ self, dep: dep('v1.2.3', 'True', 2) }), true);
    assert.equal(expr.evaluate({ self, dep: dep('v1.2.2', 'True', 2) }), false);
    assert.equal(expr.evaluate({ self, dep: dep('v1.2.3', 'False', 2) }), false);
    assert.equal(expr.evaluate({ self, dep: dep('v1.2.3', 'True', 1) }), false);
  });

  it('returns values of any type: the caller decides what it needs', () => {
    assert.equal(
      compileCel('self.metadata.name', dependsOn).evaluate({ self: { metadata: { name: 'a' } }, dep: {} }),
      'a',
    );
  });

  it('refuses bad syntax at compile time, naming the expression', () => {
    const err = celError(() => compileCel('self.status.', dependsOn));
    assert.equal(err.phase, 'compile');
    assert.match(err.message, /^invalid CEL expression 'self\.status\.': /);
    assert.doesNotMatch(err.message, /\n/);
  });

  it('refuses variables that were not declared', () => {
    const err = celError(() => compileCel('other.status.ready == true', dependsOn));
    assert.match(err.message, /Unknown variable: other/);
  });

  it('refuses unknown functions', () => {
    assert.match(celError(() => compileCel('nosuch(self)', dependsOn)).message, /nosuch/);
  });

  it('refuses empty and over-long expressions', () => {
    assert.match(celError(() => compileCel('  ', dependsOn)).message, /empty/);
    const long = `self.a == '${'x'.repeat(MAX_EXPRESSION_LENGTH)}'`;
    assert.match(celError(() => compileCel(long, dependsOn)).message, /characters long, more than 10240/);
  });

  it('refuses comprehensions nested three deep, but not chained ones', () => {
    const nested = 'self.a.all(x, self.b.all(y, self.c.exists(z, z == x + y)))';
    assert.match(celError(() => compileCel(nested, dependsOn)).message, /nested 3 deep, more than 2/);
    compileCel('self.a.all(x, self.b.exists(y, y == x))', dependsOn);
    compileCel('self.a.filter(x, x > 1).map(x, x * 2).filter(x, x > 3).exists(y, y > 4)', dependsOn);
  });

  it('refuses regular expressions that can only be matched by backtracking', () => {
    assert.match(
      celError(() => compileCel(`self.name.matches('(a)\\\\1')`, dependsOn)).message,
      /backreferences or lookaround/,
    );
    assert.match(celError(() => compileCel(`self.name.matches('^(?!x)')`, dependsOn)).message, /lookaround/);
  });

  it('matches runaway regular expressions in linear time', { timeout: 20_000 }, () => {
    const expr = compileCel(`self.name.matches('^(a+)+$')`, { variables: ['self'] });
    const started = Date.now();
    assert.equal(expr.evaluate({ self: { name: `${'a'.repeat(26)}b` } }), false); // ~10 s when backtracking
    assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
  });

  it('fails an evaluation that reads too much, even when || would absorb the error', () => {
    const items = Array.from({ length: 200 }, (_, i) => i);
    const expr = compileCel('self.items.all(a, self.items.exists(b, b == a)) || true', {
      variables: ['self'],
      costLimit: 10_000,
    });
    const err = celError(() => expr.evaluate({ self: { items } }));
    assert.equal(err.phase, 'evaluate');
    assert.match(err.message, /too costly: it read more than 10000 values/);
    // The same expression under the default limit is fine.
    assert.equal(
      compileCel('self.items.all(a, self.items.exists(b, b == a))', { variables: ['self'] }).evaluate({
        self: { items },
      }),
      true,
    );
  });

  it('returns values the caller can read without limit', () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ n: i }));
    const value = compileCel('self.items', { variables: ['self'], costLimit: 20 }).evaluate({
      self: { items },
    });
    assert.deepEqual(value, items);
  });

  it('reads frozen objects', () => {
    const self = Object.freeze({
      status: Object.freeze({ conditions: Object.freeze([Object.freeze({ type: 'Ready' })]) }),
    });
    assert.equal(
      compileCel(`self.status.conditions[0].type == 'Ready'`, { variables: ['self'] }).evaluate({ self }),
      true,
    );
  });

  it('reports evaluation errors naming the expression', () => {
    const err = celError(() =>
      compileCel('dep.status.ready == true', dependsOn).evaluate({ self: {}, dep: {} }),
    );
    assert.equal(err.phase, 'evaluate');
    assert.equal(err.message, "CEL expression 'dep.status.ready == true' failed: No such key: status");
  });
});

describe('compileHealthChecks', () => {
  const sealedSecret: CustomHealthCheck = {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    failed: "status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'False')",
    current: "status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'True')",
  };
  const sealed = (synced: string): KubeObject => ({
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: 's', namespace: 'apps', generation: 1 },
    status: { observedGeneration: 1, conditions: [{ type: 'Synced', status: synced }] },
  });

  it('decides with the SealedSecret example of the Flux docs', () => {
    assert.equal(healthWith([sealedSecret], sealed('True')).status, 'Current');
    const failed = healthWith([sealedSecret], sealed('False'));
    assert.equal(failed.status, 'Failed');
    assert.match(failed.message, /matches the healthCheckExprs failed expression 'status\.conditions/);
    assert.equal(healthWith([sealedSecret], sealed('Unknown')).status, 'InProgress');
  });

  it('evaluates inProgress, then failed, then current; none true is InProgress', () => {
    const check: CustomHealthCheck = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      inProgress: 'status.inProgress',
      failed: 'status.failed',
      current: 'status.current',
    };
    const cases: [Record<string, boolean>, string][] = [
      [{ inProgress: true, failed: true, current: true }, 'InProgress'],
      [{ inProgress: false, failed: true, current: true }, 'Failed'],
      [{ inProgress: false, failed: false, current: true }, 'Current'],
      [{ inProgress: false, failed: false, current: false }, 'InProgress'],
    ];
    for (const [status, want] of cases) {
      assert.equal(healthWith([check], widget(status)).status, want, JSON.stringify(status));
    }
  });

  it('stops at the first true expression: later ones are not evaluated', () => {
    const check: CustomHealthCheck = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      inProgress: 'status.phase == "Pending"',
      current: 'status.missing == true',
    };
    assert.equal(healthWith([check], widget({ phase: 'Pending' })).status, 'InProgress');
  });

  it('is InProgress while the generation is not observed, whatever the expressions say', () => {
    const check: CustomHealthCheck = { apiVersion: 'example.com/v1', kind: 'Widget', current: 'true' };
    const result = healthWith([check], widget({ observedGeneration: 1 }, 2));
    assert.equal(result.status, 'InProgress');
    assert.match(result.message, /generation 2 is not observed yet/);
  });

  it('leaves the object Unknown, naming the expression, when a field is missing', () => {
    const check: CustomHealthCheck = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      current: "status.conditions.exists(c, c.type == 'Ready')",
    };
    const result = healthWith([check], widget({}));
    assert.equal(result.status, 'Unknown');
    assert.equal(
      result.message,
      "healthCheckExprs Widget.example.com current: CEL expression 'status.conditions.exists(c, c.type == 'Ready')' failed: No such key: conditions",
    );
    const noStatus = healthWith([check], widget(undefined));
    assert.equal(noStatus.status, 'Unknown');
    assert.match(noStatus.message, /no such field: status/);
  });

  it('lets has() and optional fields guard missing fields', () => {
    const guarded: CustomHealthCheck[] = [
      {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        inProgress: '!has(status.conditions)',
        current: "status.?phase.orValue('') == 'Ready'",
      },
    ];
    assert.equal(healthWith(guarded, widget({})).status, 'InProgress');
    assert.equal(healthWith(guarded, widget({ conditions: [], phase: 'Ready' })).status, 'Current');
  });

  it('leaves the object Unknown when an expression is not a bool', () => {
    const check: CustomHealthCheck = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      current: 'status.phase',
    };
    const result = healthWith([check], widget({ phase: 'Ready' }));
    assert.equal(result.status, 'Unknown');
    assert.equal(
      result.message,
      "healthCheckExprs Widget.example.com current: CEL expression 'status.phase' returned a string, not a bool",
    );
  });

  it('binds self to the whole object as well as its top-level fields', () => {
    const check: CustomHealthCheck = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      current: "self.status.phase == 'Ready' && spec.size == 3 && metadata.name == 'w' && kind == 'Widget'",
    };
    assert.equal(healthWith([check], widget({ phase: 'Ready' })).status, 'Current');
  });

  it('matches group and kind, whatever the version', () => {
    const checks = compileHealthChecks([
      { apiVersion: 'example.com/v1beta1', kind: 'Widget', current: 'true' },
    ]);
    assert.notEqual(checks.forObject(widget({})), undefined);
    assert.equal(checks.forObject({ ...widget({}), apiVersion: 'other.example.com/v1' }), undefined);
    assert.equal(checks.forObject({ ...widget({}), kind: 'Gadget' }), undefined);
  });

  it('matches core kinds by their kind alone', () => {
    const checks = compileHealthChecks([
      { apiVersion: 'v1', kind: 'ConfigMap', current: "data.ready == 'yes'" },
    ]);
    const cm = (ready: string): KubeObject =>
      ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { ready } }) as KubeObject;
    assert.equal(computeHealth(cm('yes'), checks).status, 'Current');
    assert.equal(computeHealth(cm('no'), checks).status, 'InProgress');
  });

  it('uses the first entry for a group and kind', () => {
    const checks = [
      { apiVersion: 'example.com/v1', kind: 'Widget', current: 'true' },
      { apiVersion: 'example.com/v2', kind: 'Widget', current: 'false', failed: 'true' },
    ];
    assert.equal(healthWith(checks, widget({})).status, 'Current');
  });

  it('returns no check for an empty list', () => {
    assert.equal(compileHealthChecks(undefined).forObject(widget({})), undefined);
    assert.equal(compileHealthChecks([]).forObject(widget({})), undefined);
  });

  it('names the kind and the expression that does not compile', () => {
    const base = { apiVersion: 'example.com/v1', kind: 'Widget', current: 'true' };
    const cases: [CustomHealthCheck, RegExp][] = [
      [{ ...base, current: 'status.' }, /^Widget\.example\.com current: invalid CEL expression 'status\.': /],
      [
        { ...base, inProgress: 'status.(' },
        /^Widget\.example\.com inProgress: invalid CEL expression 'status\.\('/,
      ],
      [{ ...base, failed: 'status.phase ==' }, /^Widget\.example\.com failed: invalid CEL expression/],
      [{ ...base, current: '' }, /^Widget\.example\.com: the current expression is required$/],
      [{ ...base, current: 'a.all(x, a.all(y, a.all(z, true)))' }, /current: .*nested 3 deep/],
    ];
    for (const [check, want] of cases) {
      const err = celError(() => compileHealthChecks([check]));
      assert.equal(err.phase, 'compile');
      assert.match(err.message, want);
    }
  });
});
