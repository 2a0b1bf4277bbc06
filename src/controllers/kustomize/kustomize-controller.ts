// The kustomize controller: the Kustomization reconciler, registered on a manager with
// the rendering helpers, an informer of Kustomizations (sharded), informers of the source
// kinds, and watches that reconcile a Kustomization as soon as its source has a new
// artifact or one of its dependencies becomes ready.
import { ConditionType } from '../../api/meta/conditions.js';
import type { Kustomization } from '../../api/kustomize/kustomization.js';
import { objectKey, type KubeObject } from '../../api/object.js';
import { CoreResources } from '../../runtime/client/resource.js';
import { sopsKeysFromSecret } from '../../render/sops-keys.js';
import type { InformerEvent } from '../../runtime/cache/informer.js';
import { DiscoveryCache } from '../../runtime/client/discovery.js';
import { generationOrRequestChanged, type Request } from '../../runtime/controller/controller.js';
import type { Manager } from '../../runtime/manager/manager.js';
import { Renderer } from '../../render/renderer.js';
import { ApplyMemo } from '../../apply/index.js';
import { ArtifactCache } from './kustomization/artifact-cache.js';
import type { KustomizationDeps } from './kustomization/deps.js';
import { KustomizationReconciler } from './kustomization/reconciler.js';
import { ORIGIN_REVISION_KEY } from './kustomization/names.js';
import { Kustomizations } from './kustomization/resources.js';
import { SourceResources, sourceKey, type SourceObject } from './kustomization/reconcile-source.js';
import { Tenancy } from './kustomization/tenant.js';

export interface KustomizeControllerOptions {
  /** Flux: --requeue-dependency (default 30s). */
  readonly requeueDependencyMs?: number;
  /** Flux: --no-cross-namespace-refs. */
  readonly noCrossNamespaceRefs?: boolean;
  /** Flux: --no-remote-bases. */
  readonly noRemoteBases?: boolean;
  /** Flux: --default-service-account. */
  readonly defaultServiceAccount?: string | undefined;
  /** Flux: --concurrent-ssa (default 4). */
  readonly concurrentSsa?: number;
  /** Flux: --custom-apply-stage-kinds. */
  readonly customApplyStageKinds?: readonly string[];
  /** Flux: --http-retry (default 9). */
  readonly httpRetry?: number;
  /** Flux: --insecure-kubeconfig-tls. */
  readonly insecureKubeConfigTls?: boolean;
  /** Flux's StrictPostBuildSubstitutions feature gate (default true). */
  readonly strictSubstitutions?: boolean;
  /** Controller-wide age identities (Flux: --sops-age-secret, read by the caller). */
  readonly globalAgeKeys?: readonly string[];
  /** A running renderer to use; otherwise one is started (and closed with the manager). */
  readonly renderer?: Renderer;
  /** Where the tide-render binary is built and cached when no renderer is given. */
  readonly cacheDir?: string;
  readonly healthPollMs?: number;
  readonly tmpDir?: string;
}

/** Index of Kustomizations by the `Kind/namespace/name` of their source. */
export const BY_SOURCE_INDEX = 'spec.sourceRef';
/** Index of Kustomizations by the `namespace/name` of each dependency. */
export const BY_DEPENDENCY_INDEX = 'spec.dependsOn';

export async function registerKustomizeController(
  manager: Manager,
  opts: KustomizeControllerOptions = {},
): Promise<void> {
  const renderer =
    opts.renderer ??
    (await Renderer.start({
      ...(opts.cacheDir === undefined ? {} : { cacheDir: opts.cacheDir }),
      logger: manager.log,
    }));
  const artifacts = new ArtifactCache({ tmpDir: opts.tmpDir });
  manager.addRunnable('kustomize-resources', async (signal) => {
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else
        signal.addEventListener(
          'abort',
          () => {
            resolve();
          },
          { once: true },
        );
    });
    await artifacts.close();
    if (opts.renderer === undefined) await renderer.close();
  });
  const discovery = new DiscoveryCache(manager.client);
  const requeueDependencyMs = opts.requeueDependencyMs ?? 30_000;
  const kustomizations = manager.informer<Kustomization>(Kustomizations, { sharded: true });
  kustomizations.addIndexer(BY_SOURCE_INDEX, (k) => {
    const ref = k.spec?.sourceRef;
    return ref === undefined
      ? []
      : [sourceKey(ref.kind, ref.namespace ?? k.metadata.namespace ?? '', ref.name)];
  });
  kustomizations.addIndexer(BY_DEPENDENCY_INDEX, (k) =>
    (k.spec?.dependsOn ?? []).map((d) => `${d.namespace ?? k.metadata.namespace ?? ''}/${d.name}`),
  );
  const deps: KustomizationDeps = {
    client: manager.client,
    discovery,
    renderer,
    artifacts,
    tenancy: new Tenancy({
      client: manager.client,
      discovery,
      defaultServiceAccount: opts.defaultServiceAccount,
      kubeConfigPolicy: { allowInsecureTls: opts.insecureKubeConfigTls === true },
      qps: manager.options.kubeApiQps,
      burst: manager.options.kubeApiBurst,
      retryMs: requeueDependencyMs,
    }),
    events: manager.eventsFor('kustomize-controller'),
    metrics: manager.metrics,
    requeueDependencyMs,
    noCrossNamespaceRefs: opts.noCrossNamespaceRefs === true,
    noRemoteBases: opts.noRemoteBases === true,
    concurrentSsa: opts.concurrentSsa ?? 4,
    customApplyStageKinds: opts.customApplyStageKinds ?? [],
    httpRetry: opts.httpRetry ?? 9,
    strictSubstitutions: opts.strictSubstitutions ?? true,
    globalAgeKeys: opts.globalAgeKeys,
    healthPollMs: opts.healthPollMs,
    cached: (namespace, name) => kustomizations.store.get(objectKey({ namespace, name })),
    applyMemo: new ApplyMemo(),
  };
  const controller = manager.controller({
    name: 'kustomization',
    reconciler: new KustomizationReconciler(deps),
  });
  controller.watchPrimary(kustomizations, generationOrRequestChanged);

  for (const [kind, resource] of Object.entries(SourceResources)) {
    // Not sharded: a Kustomization may read a source of any shard.
    const sources = manager.informer<SourceObject>(resource);
    controller.watchRelated(sources, (event) => {
      if (!artifactChanged(event)) return [];
      const { namespace = '', name } = event.object.metadata;
      return kustomizations.store.byIndex(BY_SOURCE_INDEX, sourceKey(kind, namespace, name)).map(requestFor);
    });
  }
  // A dependency that became ready (or applied a new revision) releases its dependents now.
  controller.watchRelated(kustomizations, (event) => {
    if (event.type !== 'update') return [];
    const before = event.old.status;
    const after = event.object.status;
    const readyNow = isReady(event.object) && !isReady(event.old);
    if (!readyNow && before?.lastAppliedRevision === after?.lastAppliedRevision) return [];
    return kustomizations.store
      .byIndex(BY_DEPENDENCY_INDEX, objectKey(event.object.metadata))
      .map(requestFor);
  });
}

function isReady(k: Kustomization): boolean {
  return k.status?.conditions?.some((c) => c.type === ConditionType.Ready && c.status === 'True') === true;
}

function requestFor(k: Kustomization): Request {
  return { namespace: k.metadata.namespace ?? '', name: k.metadata.name };
}

/** A new artifact (digest, revision or origin), or a source appearing with or losing one. */
function artifactChanged(event: InformerEvent<SourceObject>): boolean {
  const artifact = event.object.status?.artifact;
  if (event.type === 'add') return artifact !== undefined;
  if (event.type === 'delete') return true;
  const old = event.old.status?.artifact;
  return (
    old?.digest !== artifact?.digest ||
    old?.revision !== artifact?.revision ||
    old?.metadata?.[ORIGIN_REVISION_KEY] !== artifact?.metadata?.[ORIGIN_REVISION_KEY]
  );
}

/** The age identities of --sops-age-secret (every `*.agekey` entry), read once at start-up. */
export async function readSopsAgeSecret(
  client: Manager['client'],
  namespace: string,
  name: string,
): Promise<string[]> {
  const secret = await client.get<KubeObject & { data?: Record<string, string> }>(
    CoreResources.Secret,
    name,
    namespace,
  );
  const keys = sopsKeysFromSecret(secret.data);
  if ((keys.age ?? []).length === 0) {
    throw new Error(`--sops-age-secret: Secret ${namespace}/${name} has no *.agekey entry`);
  }
  return [...(keys.age ?? [])];
}
