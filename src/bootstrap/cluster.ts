// The cluster side of bootstrap: the components (as `tide install` applies them), the
// Secret the GitRepository authenticates with, the sync objects, and the wait until
// both sync objects have reconciled the pushed revision.
import { setTimeout as sleep } from 'node:timers/promises';
import { KustomizationKind } from '../api/kustomize/kustomization.js';
import { Annotation, ConditionType } from '../api/meta/conditions.js';
import type { Condition } from '../api/meta/status.js';
import type { KubeObject } from '../api/object.js';
import { GitRepositoryKind } from '../api/source/gitrepository.js';
import { FIELD_MANAGER, applyObjects, isCrd, waitForCrds, type AppliedObject } from '../install/apply.js';
import type { Manifest } from '../install/manifest.js';
import type { KubeClient } from '../runtime/client/client.js';
import { isNotFound } from '../runtime/client/errors.js';
import { CoreResources, resourceFor, type ResourceType } from '../runtime/client/resource.js';

export const GitRepositories = resourceFor(GitRepositoryKind);
export const Kustomizations = resourceFor(KustomizationKind);

export interface ClusterTarget {
  readonly client: KubeClient;
  readonly signal: AbortSignal;
}

/**
 * Applies the components; CRDs first (with skipCrds they must already exist) and waited
 * for until Established.
 */
export async function installComponents(
  target: ClusterTarget,
  objects: readonly Manifest[],
  opts: { readonly skipCrds: boolean; readonly onApplied?: (applied: AppliedObject) => void },
): Promise<void> {
  const crds = objects.filter(isCrd);
  const apply = {
    client: target.client,
    signal: target.signal,
    ...(opts.onApplied ? { onApplied: opts.onApplied } : {}),
  };
  if (!opts.skipCrds) await applyObjects(crds, apply);
  if (crds.length > 0)
    await waitForCrds(
      crds.map((c) => c.metadata.name),
      { client: target.client, signal: target.signal, mustExist: opts.skipCrds },
    );
  await applyObjects(
    objects.filter((o) => !isCrd(o)),
    apply,
  );
}

export async function secretExists(target: ClusterTarget, name: string, namespace: string): Promise<boolean> {
  try {
    await target.client.get(CoreResources.Secret, name, namespace, target.signal);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Creates or replaces the Secret's data (server-side apply: keys from an earlier run are dropped). */
export async function applySecret(
  target: ClusterTarget,
  ref: { readonly name: string; readonly namespace: string },
  data: Readonly<Record<string, string>>,
): Promise<void> {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: ref.name, namespace: ref.namespace },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  } as KubeObject;
  await target.client.apply(CoreResources.Secret, secret, {
    fieldManager: FIELD_MANAGER,
    force: true,
    signal: target.signal,
  });
}

/**
 * Applies the GitRepository and the Kustomization and asks both to reconcile now, so
 * an unchanged spec does not wait for its interval to see the new revision.
 */
export async function applySync(target: ClusterTarget, objects: readonly Manifest[]): Promise<void> {
  const token = new Date().toISOString();
  for (const obj of objects) {
    const res = obj.kind === 'GitRepository' ? GitRepositories : Kustomizations;
    const annotated = {
      ...obj,
      metadata: { ...obj.metadata, annotations: { [Annotation.ReconcileRequestedAt]: token } },
    };
    await target.client.apply(res, annotated, {
      fieldManager: FIELD_MANAGER,
      force: true,
      signal: target.signal,
    });
  }
}

export interface WaitSyncedOptions {
  readonly name: string;
  readonly namespace: string;
  /** `main@sha1:<hex>`: the GitRepository must have fetched it and the Kustomization applied it. */
  readonly revision: string;
  readonly timeoutMs: number;
  readonly pollMs?: number;
  readonly onMessage?: (message: string) => void;
}

export type SyncWaitResult =
  | { readonly state: 'ready' }
  | { readonly state: 'failed'; readonly message: string }
  | { readonly state: 'timeout'; readonly message: string };

/** Waits until the object of `res` is Ready with `revision` (read by `revisionOf`). */
export async function waitRevision(
  target: ClusterTarget,
  res: ResourceType,
  opts: WaitSyncedOptions,
  revisionOf: (obj: KubeObject) => string | undefined,
): Promise<SyncWaitResult> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = '';
  for (;;) {
    const message = await check(target, res, opts, revisionOf);
    if (message === 'ready') return { state: 'ready' };
    if (message.startsWith('stalled: '))
      return { state: 'failed', message: message.slice('stalled: '.length) };
    if (message !== last) {
      last = message;
      opts.onMessage?.(message);
    }
    if (Date.now() >= deadline) return { state: 'timeout', message: last };
    await sleep(Math.min(opts.pollMs ?? 500, Math.max(0, deadline - Date.now())), undefined, {
      signal: target.signal,
    });
  }
}

async function check(
  target: ClusterTarget,
  res: ResourceType,
  opts: WaitSyncedOptions,
  revisionOf: (obj: KubeObject) => string | undefined,
): Promise<string> {
  let obj: KubeObject;
  try {
    obj = await target.client.get(res, opts.name, opts.namespace, target.signal);
  } catch (err) {
    if (isNotFound(err)) return `${res.kind} ${opts.namespace}/${opts.name} does not exist yet`;
    throw err;
  }
  const conditions = (obj.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  const ready = conditions.find((c) => c.type === ConditionType.Ready);
  const stalled = conditions.find((c) => c.type === ConditionType.Stalled);
  if (stalled?.status === 'True') return `stalled: ${stalled.message}`;
  const revision = revisionOf(obj);
  if (ready?.status === 'True' && revision === opts.revision) return 'ready';
  if (ready === undefined) {
    return `no controller has reconciled ${res.kind} ${opts.namespace}/${opts.name} yet (are the controllers running?)`;
  }
  if (revision !== opts.revision) {
    const detail = ready.status === 'False' && ready.message !== '' ? `: ${ready.message}` : '';
    return `at revision ${revision ?? '(none)'}, waiting for ${opts.revision}${detail}`;
  }
  return ready.message === '' ? ready.reason : ready.message;
}

export const gitRepositoryRevision = (obj: KubeObject): string | undefined =>
  (obj.status as { artifact?: { revision?: string } } | undefined)?.artifact?.revision;

export const kustomizationRevision = (obj: KubeObject): string | undefined =>
  (obj.status as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision;
