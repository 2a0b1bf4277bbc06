// The CEL engine behind health checks (spec.healthCheckExprs) and dependency
// readiness (spec.dependsOn[].readyExpr), on @marcbachmann/cel-js with Flux's
// environment choices: optional types (`a.?b.orValue(x)`), homogeneous list and
// map literals, object fields as dynamic values with JSON numbers as doubles
// (Flux passes objects as protobuf Structs, whose numbers are doubles too).
//
// Guards the library does not give: a cap on expression length, on AST size and
// on nested comprehensions (checked at compile time), a cap on the values one
// evaluation may read (cel-budget.ts), and V8's linear-time fallback for
// regular expressions that backtrack too much (`matches`), with the
// constructs that always need backtracking (and that RE2, Flux's engine,
// rejects anyway) refused in literal patterns.
import v8 from 'node:v8';
import { Environment, type ASTNode, type ParseResult } from '@marcbachmann/cel-js';
import { CostLimitExceeded, withBudget } from './cel-budget.js';

export const MAX_EXPRESSION_LENGTH = 10 * 1024;
export const MAX_AST_NODES = 5000;
/** How deeply comprehensions (all, exists, map, filter...) may nest inside each other's predicates. */
export const MAX_COMPREHENSION_NESTING = 2;
/** Default cap on the values one evaluation reads (a few hundred milliseconds at worst). */
export const DEFAULT_COST_LIMIT = 500_000;

export type CelPhase = 'compile' | 'evaluate';

/** A CEL expression that does not compile, or failed to evaluate; the message names the expression and the problem. */
export class CelError extends Error {
  override readonly name = 'CelError';
  readonly expression: string;
  /** compile: the expression is wrong whatever the input; evaluate: it failed on this input. */
  readonly phase: CelPhase;
  constructor(message: string, opts: { expression: string; phase: CelPhase; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.expression = opts.expression;
    this.phase = opts.phase;
  }
}

export interface CelOptions {
  /** The variables the expression may use; any other name fails to compile. */
  readonly variables: readonly string[];
  /** Values one evaluation may read before it fails; default DEFAULT_COST_LIMIT. */
  readonly costLimit?: number;
}

export interface CompiledCel {
  readonly expression: string;
  /** The expression's value for these variables; throws CelError (phase evaluate) when evaluation fails. */
  evaluate(vars: Record<string, unknown>): unknown;
}

/** Compiles once; evaluate(vars) returns the value; throws CelError at compile time for bad syntax. */
export function compileCel(expr: string, opts: CelOptions): CompiledCel {
  return compileIn(environmentFor(opts.variables), expr, opts.costLimit ?? DEFAULT_COST_LIMIT);
}

/**
 * Compiles for a variable set not known in advance (a health check sees the
 * object's top-level fields): undeclared names are dynamic and only fail when
 * evaluated without a value.
 */
export function compileDynamicCel(expr: string, costLimit = DEFAULT_COST_LIMIT): CompiledCel {
  return compileIn(dynamicEnvironment(), expr, costLimit);
}

function compileIn(env: Environment, expr: string, costLimit: number): CompiledCel {
  const fail = (problem: string, cause?: unknown): CelError =>
    new CelError(`invalid CEL expression ${quote(expr)}: ${problem}`, {
      expression: expr,
      phase: 'compile',
      cause,
    });
  if (expr.trim() === '') throw fail('the expression is empty');
  if (expr.length > MAX_EXPRESSION_LENGTH) {
    throw fail(`the expression is ${expr.length} characters long, more than ${MAX_EXPRESSION_LENGTH}`);
  }
  hardenRegExpEngine();
  let parsed: ParseResult;
  try {
    parsed = env.parse(expr);
  } catch (err) {
    throw fail(firstLine(err), err);
  }
  const checked = parsed.check();
  if (!checked.valid) throw fail(firstLine(checked.error), checked.error);
  const problem = structuralProblem(parsed.ast);
  if (problem !== undefined) throw fail(problem);
  return {
    expression: expr,
    evaluate(vars) {
      const budget = withBudget(vars, costLimit);
      let value: unknown;
      let error: unknown;
      try {
        value = parsed(budget.vars) as unknown;
      } catch (err) {
        error = err;
      } finally {
        budget.release();
      }
      // The library absorbs errors inside && / || and quantifiers, so an
      // exhausted budget can surface as an ordinary value: check it either way.
      if (budget.exceeded() || error instanceof CostLimitExceeded) {
        throw new CelError(
          `CEL expression ${quote(expr)} is too costly: it read more than ${costLimit} values`,
          {
            expression: expr,
            phase: 'evaluate',
          },
        );
      }
      if (error !== undefined) {
        throw new CelError(`CEL expression ${quote(expr)} failed: ${evaluationProblem(error)}`, {
          expression: expr,
          phase: 'evaluate',
          cause: error,
        });
      }
      return value;
    },
  };
}

// Environments are costly to build; one per variable set, built on first use.
const environments = new Map<string, Environment>();

function environmentFor(variables: readonly string[]): Environment {
  const key = [...new Set(variables)].sort().join(',');
  let env = environments.get(key);
  if (env === undefined) {
    env = new Environment(environmentOptions(false));
    for (const name of key === '' ? [] : key.split(',')) env.registerVariable(name, 'dyn');
    environments.set(key, env);
  }
  return env;
}

let dynamic: Environment | undefined;

function dynamicEnvironment(): Environment {
  dynamic ??= new Environment(environmentOptions(true));
  return dynamic;
}

function environmentOptions(unlistedVariablesAreDyn: boolean): ConstructorParameters<typeof Environment>[0] {
  return {
    unlistedVariablesAreDyn,
    enableOptionalTypes: true,
    homogeneousAggregateLiterals: true,
    limits: { maxAstNodes: MAX_AST_NODES },
  };
}

let regExpHardened = false;

/**
 * Lets V8 finish a regular expression that backtracks too much on its
 * linear-time engine (same results, bounded time). Process-wide, and harmless
 * for other code: only runaway matches take the other path.
 */
function hardenRegExpEngine(): void {
  if (regExpHardened) return;
  regExpHardened = true;
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
}

const COMPREHENSIONS: ReadonlySet<string> = new Set([
  'all',
  'exists',
  'exists_one',
  'map',
  'filter',
  'sortBy',
  'transformList',
  'transformMap',
  'transformMapEntry',
]);
// Backreferences and lookaround have no linear-time match (RE2 refuses them).
const BACKTRACKING_ONLY = /\\[1-9]|\\k<|\(\?<?[=!]/;

/** Why the expression is too costly or unsafe to run, or undefined. */
function structuralProblem(ast: ASTNode): string | undefined {
  const nesting = comprehensionNesting(ast);
  if (nesting > MAX_COMPREHENSION_NESTING) {
    return `comprehensions are nested ${nesting} deep, more than ${MAX_COMPREHENSION_NESTING}`;
  }
  for (const pattern of literalPatterns(ast)) {
    if (BACKTRACKING_ONLY.test(pattern)) {
      return `the regular expression ${quote(pattern)} uses backreferences or lookaround, which are not supported`;
    }
  }
  return undefined;
}

/** The deepest chain of comprehensions that run inside another's predicate (chaining does not multiply cost). */
function comprehensionNesting(node: ASTNode): number {
  if (node.op === 'rcall' && COMPREHENSIONS.has(node.args[0])) {
    const [, receiver, args] = node.args;
    return Math.max(comprehensionNesting(receiver), 1 + Math.max(0, ...args.map(comprehensionNesting)));
  }
  return Math.max(0, ...childNodes(node).map(comprehensionNesting));
}

function literalPatterns(node: ASTNode): string[] {
  const out: string[] = [];
  const visit = (n: ASTNode): void => {
    // The library has the receiver form only: text.matches(pattern).
    const pattern = n.op === 'rcall' && n.args[0] === 'matches' ? n.args[2][0] : undefined;
    if (pattern?.op === 'value' && typeof pattern.args === 'string') out.push(pattern.args);
    childNodes(n).forEach(visit);
  };
  visit(node);
  return out;
}

function childNodes(node: ASTNode): ASTNode[] {
  const out: ASTNode[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (isNode(value)) out.push(value);
  };
  if (node.op !== 'value' && node.op !== 'id') collect(node.args);
  return out;
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? '').trim();
}

function evaluationProblem(err: unknown): string {
  const line = firstLine(err);
  // A variable is an object's top-level field in health checks: say so.
  const unknown = /^Unknown variable: (\S+)$/.exec(line);
  return unknown === null ? line : `no such field: ${unknown[1] ?? ''}`;
}

/** The expression in quotes, shortened for messages. */
export function quote(expr: string): string {
  const oneLine = expr.replace(/\s+/g, ' ').trim();
  return `'${oneLine.length > 200 ? `${oneLine.slice(0, 197)}...` : oneLine}'`;
}
