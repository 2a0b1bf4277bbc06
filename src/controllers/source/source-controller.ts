// The source controller: artifact storage and its HTTP server, and the reconcilers of
// the source kinds, registered on a manager.
import type { GitRepository } from '../../api/source/gitrepository.js';
import { objectKey } from '../../api/object.js';
import { ArtifactStorage } from '../../artifact/storage.js';
import { startArtifactServer } from '../../artifact/server.js';
import * as git from '../../git/index.js';
import { generationOrRequestChanged } from '../../runtime/controller/controller.js';
import type { Manager } from '../../runtime/manager/manager.js';
import { registerArtifactGenerator } from './artifactgenerator/register.js';
import { GitRepositoryReconciler } from './gitrepository/reconciler.js';
import { GitRepositories } from './gitrepository/reconcile-include.js';

export interface SourceControllerOptions {
  /** Flux: --storage-path. */
  readonly storagePath: string;
  /** Flux: --storage-addr, where the artifact server listens. */
  readonly storageAddr: string;
  /** Flux: --storage-adv-addr, the host:port written into artifact URLs. */
  readonly storageAdvAddr: string;
  readonly artifactRetentionTtlMs?: number;
  readonly artifactRetentionRecords?: number;
  /** Flux: --requeue-dependency. */
  readonly requeueDependencyMs?: number;
  /** Flux: --no-cross-namespace-refs. */
  readonly noCrossNamespaceRefs?: boolean;
  /** Called with the artifact server's URL once it listens. */
  readonly onArtifactServer?: (url: string) => void;
}

/** Index of GitRepositories by the `namespace/name` of each GitRepository they include. */
export const INCLUDED_BY_INDEX = 'spec.include.repository';

export async function registerSourceController(
  manager: Manager,
  opts: SourceControllerOptions,
): Promise<ArtifactStorage> {
  const storage = await ArtifactStorage.open({
    root: opts.storagePath,
    advertisedAddress: opts.storageAdvAddr,
    ...(opts.artifactRetentionTtlMs === undefined ? {} : { retentionTtlMs: opts.artifactRetentionTtlMs }),
    ...(opts.artifactRetentionRecords === undefined
      ? {}
      : { retentionRecords: opts.artifactRetentionRecords }),
    logger: manager.log,
  });
  manager.addRunnable('artifact-server', async (signal) => {
    const server = await startArtifactServer({ storage, addr: opts.storageAddr });
    opts.onArtifactServer?.(server.url);
    manager.log.info('serving artifacts', { url: server.url, root: opts.storagePath });
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
    await server.close();
  });

  const gitRepositories = manager.informer<GitRepository>(GitRepositories, { sharded: true });
  gitRepositories.addIndexer(INCLUDED_BY_INDEX, (repo) =>
    (repo.spec?.include ?? []).map((i) => `${repo.metadata.namespace ?? ''}/${i.repository.name}`),
  );
  const controller = manager.controller({
    name: 'gitrepository',
    reconciler: new GitRepositoryReconciler({
      client: manager.client,
      storage,
      git,
      events: manager.eventsFor('source-controller'),
      metrics: manager.metrics,
      requeueDependencyMs: opts.requeueDependencyMs ?? 30_000,
    }),
  });
  controller.watchPrimary(gitRepositories, generationOrRequestChanged);
  // A new artifact of an included repository rebuilds the repositories that include it.
  controller.watchRelated(gitRepositories, (event) => {
    if (
      event.type !== 'update' ||
      event.old.status?.artifact?.digest === event.object.status?.artifact?.digest
    )
      return [];
    return gitRepositories.store
      .byIndex(INCLUDED_BY_INDEX, objectKey(event.object.metadata))
      .map((r) => ({ namespace: r.metadata.namespace ?? '', name: r.metadata.name }));
  });
  registerArtifactGenerator(manager, storage, {
    requeueDependencyMs: opts.requeueDependencyMs ?? 30_000,
    ...(opts.noCrossNamespaceRefs === undefined ? {} : { noCrossNamespaceRefs: opts.noCrossNamespaceRefs }),
  });
  return storage;
}
