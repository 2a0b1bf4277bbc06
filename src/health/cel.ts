// CEL health checks (spec.healthCheckExprs), as Flux evaluates them: an entry
// applies to the objects of its group and kind (any version); an object whose
// status.observedGeneration lags metadata.generation is InProgress; otherwise
// inProgress, failed and current are tried in that order and the first true
// one decides; none true is InProgress. An expression that fails on the object
// (a missing field without has(), a wrong type) or returns something other than
// a bool leaves the object Unknown, which is waited on until the timeout, as in
// Flux.
//
// The expressions see the object's top-level fields as variables (`status`,
// `metadata`, `spec`...), as in Flux; `self` is also bound to the whole object.
// The first entry for a group and kind wins, as in Flux's status poller.
import type { CustomHealthCheck } from '../api/meta/kustomize.js';
import type { KubeObject } from '../api/object.js';
import { compileDynamicCel, CelError, quote, type CompiledCel } from './cel-engine.js';
import { groupOf } from './fields.js';
import { unobservedGeneration } from './generic.js';
import { groupKindKey } from './kinds/registry.js';
import type { HealthResult, HealthStatus } from './status.js';

export {
  CelError,
  compileCel,
  DEFAULT_COST_LIMIT,
  MAX_COMPREHENSION_NESTING,
  MAX_EXPRESSION_LENGTH,
  type CelOptions,
  type CelPhase,
  type CompiledCel,
} from './cel-engine.js';

export interface CompiledHealthChecks {
  /** The custom check for the object's group and kind, if one was given. */
  forObject(obj: KubeObject): ((obj: KubeObject) => HealthResult) | undefined;
}

type ExpressionName = 'inProgress' | 'failed' | 'current';

// The order Flux evaluates them in, and the status each one means.
const ORDER: readonly (readonly [ExpressionName, HealthStatus])[] = [
  ['inProgress', 'InProgress'],
  ['failed', 'Failed'],
  ['current', 'Current'],
];

interface CompiledCheck {
  readonly label: string;
  readonly expressions: ReadonlyMap<ExpressionName, CompiledCel>;
}

const none: CompiledHealthChecks = { forObject: () => undefined };

/** Compiles every entry; throws CelError naming the kind and which expression is wrong. */
export function compileHealthChecks(list: readonly CustomHealthCheck[] | undefined): CompiledHealthChecks {
  if (list === undefined || list.length === 0) return none;
  const checks = new Map<string, CompiledCheck>();
  for (const entry of list) {
    const key = groupKindKey(groupOf(entry.apiVersion), entry.kind);
    const check = compileCheck(entry, key);
    if (!checks.has(key)) checks.set(key, check);
  }
  return {
    forObject(obj) {
      const check = checks.get(groupKindKey(groupOf(obj.apiVersion), obj.kind));
      return check === undefined ? undefined : (o) => evaluateCheck(check, o);
    },
  };
}

function compileCheck(entry: CustomHealthCheck, label: string): CompiledCheck {
  if (entry.kind === '') {
    throw new CelError(`healthCheckExprs entry for apiVersion ${entry.apiVersion} has no kind`, {
      expression: '',
      phase: 'compile',
    });
  }
  if (entry.current.trim() === '') {
    throw new CelError(`${label}: the current expression is required`, { expression: '', phase: 'compile' });
  }
  const expressions = new Map<ExpressionName, CompiledCel>();
  for (const [name] of ORDER) {
    const expr = entry[name];
    if (expr === undefined || expr.trim() === '') continue;
    try {
      expressions.set(name, compileDynamicCel(expr));
    } catch (err) {
      if (!(err instanceof CelError)) throw err;
      throw new CelError(`${label} ${name}: ${err.message}`, {
        expression: expr,
        phase: 'compile',
        cause: err,
      });
    }
  }
  return { label, expressions };
}

function evaluateCheck(check: CompiledCheck, obj: KubeObject): HealthResult {
  const unobserved = unobservedGeneration(obj);
  if (unobserved !== undefined) return unobserved;
  const vars: Record<string, unknown> = { ...(obj as unknown as Record<string, unknown>), self: obj };
  for (const [name, status] of ORDER) {
    const expr = check.expressions.get(name);
    if (expr === undefined) continue;
    let value: unknown;
    try {
      value = expr.evaluate(vars);
    } catch (err) {
      if (!(err instanceof CelError)) throw err;
      return { status: 'Unknown', message: `healthCheckExprs ${check.label} ${name}: ${err.message}` };
    }
    if (typeof value !== 'boolean') {
      return {
        status: 'Unknown',
        message: `healthCheckExprs ${check.label} ${name}: CEL expression ${quote(expr.expression)} returned ${describeValue(value)}, not a bool`,
      };
    }
    if (value) {
      return {
        status,
        message: `${obj.kind} matches the healthCheckExprs ${name} expression ${quote(expr.expression)}`,
      };
    }
  }
  return {
    status: 'InProgress',
    message: `${obj.kind} matches none of its healthCheckExprs expressions yet`,
  };
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'bigint') return 'an int';
  if (typeof value === 'number') return 'a double';
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}
