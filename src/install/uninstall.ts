// Removing an installation, in Flux's order: the components (found by the
// installation's labels, so another installation's objects are never touched), then
// the finalizers of the custom objects (the controllers that would have removed them
// are gone), then the CRDs and the namespace.
import { allKinds } from '../api/kinds.js';
import type { KubeObject } from '../api/object.js';
import type { KubeClient } from '../runtime/client/client.js';
import { isConflict, isNotFound } from '../runtime/client/errors.js';
import { resourceFor, resourcePath, type ResourceType } from '../runtime/client/resource.js';
import { PART_OF, PART_OF_LABEL, instanceSelector } from './labels.js';
import { manifestRef } from './manifest.js';
import { InstallResources } from './resources.js';

export interface UninstallOptions {
  readonly namespace: string;
  readonly keepNamespace: boolean;
  /**
   * Keep the CRDs (and so every custom object): they are cluster-wide and may serve
   * another installation. Finalizers are then only removed in the namespace, whose
   * objects lose their controllers; objects elsewhere may have another.
   */
  readonly keepCrds: boolean;
  /** Ask the API server what would happen (dryRun=All) and change nothing. */
  readonly dryRun: boolean;
}

export type UninstallAction = 'deleted' | 'finalizers removed';

export interface UninstallStep {
  /** `Kind/name` or `Kind/namespace/name`. */
  readonly ref: string;
  readonly action: UninstallAction;
  /** Why the step failed; absent when it succeeded. */
  readonly error?: string;
}

export interface UninstallRun {
  readonly client: KubeClient;
  readonly signal: AbortSignal;
  /** Called after each step, successful or not. */
  readonly onStep?: (step: UninstallStep) => void;
  /** Called when a phase starts ("deleting components in flux-system namespace"). */
  readonly onPhase?: (message: string) => void;
}

/** The installation's own objects: namespaced first, then cluster-scoped RBAC. */
const COMPONENT_RESOURCES: readonly ResourceType[] = [
  InstallResources.Deployment,
  InstallResources.Service,
  InstallResources.NetworkPolicy,
  InstallResources.ServiceAccount,
  InstallResources.ResourceQuota,
  InstallResources.ClusterRole,
  InstallResources.ClusterRoleBinding,
];

export async function uninstall(opts: UninstallOptions, run: UninstallRun): Promise<UninstallStep[]> {
  const steps: UninstallStep[] = [];
  const record = (step: UninstallStep): void => {
    steps.push(step);
    run.onStep?.(step);
  };
  run.onPhase?.(`deleting components in ${opts.namespace} namespace`);
  for (const res of COMPONENT_RESOURCES) {
    const items = await listOrNone(run, res, {
      namespace: res.namespaced ? opts.namespace : undefined,
      labelSelector: instanceSelector(opts.namespace),
    });
    for (const obj of items) record(await remove(run, res, obj, opts.dryRun));
  }
  run.onPhase?.(
    opts.keepCrds
      ? `removing finalizers of custom objects in ${opts.namespace} namespace`
      : 'removing finalizers of custom objects in all namespaces',
  );
  for (const kind of allKinds) {
    const res = resourceFor(kind);
    const items = await listOrNone(run, res, { namespace: opts.keepCrds ? opts.namespace : undefined });
    for (const obj of items) {
      if ((obj.metadata.finalizers ?? []).length > 0)
        record(await dropFinalizers(run, res, obj, opts.dryRun));
    }
  }
  if (!opts.keepCrds) {
    run.onPhase?.('deleting custom resource definitions');
    const crds = await listOrNone(run, InstallResources.CustomResourceDefinition, {
      labelSelector: `${PART_OF_LABEL}=${PART_OF}`,
    });
    for (const crd of crds)
      record(await remove(run, InstallResources.CustomResourceDefinition, crd, opts.dryRun));
  }
  if (!opts.keepNamespace) {
    const ns = await listOrNone(run, InstallResources.Namespace, {
      fieldSelector: `metadata.name=${opts.namespace}`,
    });
    for (const obj of ns) record(await remove(run, InstallResources.Namespace, obj, opts.dryRun));
  }
  return steps;
}

/** Lists objects; a kind the server does not serve (its CRD is absent) has none. */
async function listOrNone(
  run: UninstallRun,
  res: ResourceType,
  opts: { namespace?: string | undefined; labelSelector?: string; fieldSelector?: string },
): Promise<KubeObject[]> {
  try {
    const list = await run.client.list(res, { ...opts, signal: run.signal });
    return list.items;
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

function refOf(res: ResourceType, obj: KubeObject): string {
  return manifestRef({ kind: res.kind, metadata: obj.metadata });
}

async function remove(
  run: UninstallRun,
  res: ResourceType,
  obj: KubeObject,
  dryRun: boolean,
): Promise<UninstallStep> {
  const ref = refOf(res, obj);
  try {
    await run.client.request({
      method: 'DELETE',
      path: resourcePath(res, { namespace: obj.metadata.namespace, name: obj.metadata.name }),
      // With a body, the API server reads the DeleteOptions from it and ignores the query.
      body: { propagationPolicy: 'Background', ...(dryRun ? { dryRun: ['All'] } : {}) },
      signal: run.signal,
    });
    return { ref, action: 'deleted' };
  } catch (err) {
    if (isNotFound(err)) return { ref, action: 'deleted' };
    return { ref, action: 'deleted', error: messageOf(err) };
  }
}

async function dropFinalizers(
  run: UninstallRun,
  res: ResourceType,
  listed: KubeObject,
  dryRun: boolean,
): Promise<UninstallStep> {
  const ref = refOf(res, listed);
  const path = resourcePath(res, { namespace: listed.metadata.namespace, name: listed.metadata.name });
  let obj = listed;
  for (let attempt = 1; ; attempt++) {
    try {
      await run.client.request({
        method: 'PATCH',
        path,
        query: { dryRun: dryRun ? 'All' : undefined },
        // The resourceVersion makes the patch fail rather than drop a finalizer added meanwhile.
        body: { metadata: { finalizers: null, resourceVersion: obj.metadata.resourceVersion } },
        contentType: 'application/merge-patch+json',
        signal: run.signal,
      });
      return { ref, action: 'finalizers removed' };
    } catch (err) {
      if (isNotFound(err)) return { ref, action: 'finalizers removed' };
      if (!isConflict(err) || attempt >= 3)
        return { ref, action: 'finalizers removed', error: messageOf(err) };
    }
    try {
      obj = (await run.client.request({ path, signal: run.signal })) as KubeObject;
    } catch (err) {
      if (isNotFound(err)) return { ref, action: 'finalizers removed' };
      return { ref, action: 'finalizers removed', error: messageOf(err) };
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
