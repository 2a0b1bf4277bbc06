// Step 2: every dependsOn entry must be ready before anything is built or applied.
// Ready means: the dependency's latest generation reconciled with Ready=True and, when
// it reads the same source, the revision this object is about to apply. A readyExpr
// (CEL over `self` and `dep`) replaces that check, as Flux does by default.
import { ConditionType, Reason } from '../../../api/meta/conditions.js';
import type { Kustomization } from '../../../api/kustomize/kustomization.js';
import type { DependencyReference } from '../../../api/meta/references.js';
import { CelError, compileCel } from '../../../health/cel.js';
import { isNotFound } from '../../../runtime/client/errors.js';
import { done, type Result } from '../../../runtime/controller/controller.js';
import { StalledError, WaitError } from '../../../runtime/reconcile/errors.js';
import type { KustomizationDeps, KustomizationState, ResolvedSource, Scratch } from './deps.js';
import { Kustomizations } from './resources.js';

export async function reconcileDependencies(
  state: KustomizationState,
  deps: KustomizationDeps,
  scratch: Scratch,
): Promise<Result> {
  const obj = state.object;
  for (const [i, dep] of (obj.spec?.dependsOn ?? []).entries()) {
    const namespace = dep.namespace ?? obj.metadata.namespace ?? '';
    let other: Kustomization | undefined;
    try {
      other = await deps.client.get<Kustomization>(Kustomizations, dep.name, namespace, state.signal);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const why =
      other === undefined
        ? 'not found'
        : dep.readyExpr !== undefined && dep.readyExpr !== ''
          ? readyByExpression(obj, other, dep, i)
          : readyByStatus(other, namespace, scratch.source);
    if (why !== undefined) {
      throw new WaitError(
        Reason.DependencyNotReady,
        `dependency '${namespace}/${dep.name}' is not ready: ${why}`,
        deps.requeueDependencyMs,
      );
    }
  }
  return done;
}

/** Why the dependency is not ready by its status, or undefined when it is. */
function readyByStatus(
  other: Kustomization,
  namespace: string,
  source: ResolvedSource | undefined,
): string | undefined {
  const ready = other.status?.conditions?.find((c) => c.type === ConditionType.Ready);
  if (other.status?.observedGeneration !== other.metadata.generation) {
    return 'its latest generation is not reconciled yet';
  }
  if (ready?.status !== 'True') return ready?.message ?? 'no Ready condition';
  const ref = other.spec?.sourceRef;
  const sameSource =
    source !== undefined &&
    ref?.kind === source.kind &&
    ref.name === source.name &&
    (ref.namespace ?? namespace) === source.namespace;
  if (sameSource && other.status?.lastAppliedRevision !== source.artifact.revision) {
    return `revision ${source.artifact.revision} is not applied yet`;
  }
  return undefined;
}

function readyByExpression(
  self: Kustomization,
  dep: Kustomization,
  ref: DependencyReference,
  index: number,
): string | undefined {
  const field = `spec.dependsOn[${index}].readyExpr`;
  let ready: unknown;
  try {
    ready = compileCel(ref.readyExpr ?? '', { variables: ['self', 'dep'] }).evaluate({ self, dep });
  } catch (err) {
    if (err instanceof CelError)
      throw new StalledError(Reason.InvalidCELExpression, `${field}: ${err.message}`);
    throw err;
  }
  if (typeof ready !== 'boolean') {
    throw new StalledError(
      Reason.InvalidCELExpression,
      `${field} must evaluate to a boolean, got ${typeof ready}`,
    );
  }
  return ready ? undefined : 'readyExpr is false';
}
