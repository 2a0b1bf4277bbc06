// The wait every write command ends with (create, resume, reconcile): progress while
// the controller works, then the object when it is Ready, or the Ready message as the
// error when it failed for its generation.
import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../runtime/client/resource.js';
import { CliError, type CliContext } from '../context.js';
import type { Kube } from '../kube/flags.js';
import { withProgress } from '../ui/progress.js';
import type { ObjectRef } from './object-ref.js';
import { waitReconciled } from './wait.js';

export async function awaitReconcile<T extends KubeObject>(
  ctx: CliContext,
  kube: Pick<Kube, 'client' | 'timeoutMs'>,
  res: ResourceType,
  ref: ObjectRef,
  opts: { readonly token?: string } = {},
): Promise<T> {
  const result = await withProgress(
    ctx,
    `waiting for ${ref.kind} reconciliation`,
    () =>
      waitReconciled<T>(kube.client, res, ref, {
        timeoutMs: kube.timeoutMs,
        signal: ctx.signal,
        ...(opts.token === undefined ? {} : { token: opts.token }),
      }),
    { done: () => `${ref.kind} reconciliation completed` },
  );
  if (result.readiness.state === 'failed') throw new CliError(result.readiness.message);
  return result.object;
}
