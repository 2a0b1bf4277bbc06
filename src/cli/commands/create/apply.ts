// Applying what a create command generates: server-side apply under the `tide` field
// manager (forced: the CLI's intent wins), reported like the flux CLI.
import type { KubeObject } from '../../../api/object.js';
import { isNotFound } from '../../../runtime/client/errors.js';
import type { ResourceType } from '../../../runtime/client/resource.js';
import type { CliContext } from '../../context.js';
import type { Kube } from '../../kube/flags.js';
import { logLines } from '../../resources/log-lines.js';

/** The field manager of everything the CLI writes. */
export const FIELD_MANAGER = 'tide';

/** Server-side applies one object, reporting `► applying …` and `✔ … created|updated`. */
export async function applyObject(
  ctx: CliContext,
  kube: Kube,
  res: ResourceType,
  obj: KubeObject,
): Promise<KubeObject> {
  const log = logLines(ctx);
  const { name, namespace } = obj.metadata;
  const existed = await kube.client.get(res, name, namespace, ctx.signal).then(
    () => true,
    (err: unknown) => {
      if (isNotFound(err)) return false;
      throw err;
    },
  );
  log.action(`applying ${obj.kind} ${namespace ?? ''}/${name}`);
  const applied = await kube.client.apply(res, obj, {
    fieldManager: FIELD_MANAGER,
    force: true,
    signal: ctx.signal,
  });
  log.success(`${obj.kind} ${existed ? 'updated' : 'created'}`);
  return applied;
}
