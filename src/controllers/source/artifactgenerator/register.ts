// Wires the ArtifactGenerator controller into a manager: the generator informer (sharded),
// informers of the source kinds it reads, an index of generators by source, and watches
// that requeue the generators of a source whose artifact changed and the generator of a
// generated ExternalArtifact someone deleted.
import { objectKey } from '../../../api/object.js';
import type { ArtifactGenerator } from '../../../api/sourceextensions/artifactgenerator.js';
import type { ArtifactStorage } from '../../../artifact/storage.js';
import type { InformerEvent } from '../../../runtime/cache/informer.js';
import { generationOrRequestChanged, type Request } from '../../../runtime/controller/controller.js';
import type { Manager } from '../../../runtime/manager/manager.js';
import { GENERATOR_LABEL, ORIGIN_REVISION_KEY, RECONCILE_ANNOTATION } from './names.js';
import { ArtifactGeneratorReconciler } from './reconciler.js';
import {
  ArtifactGenerators,
  SourceResources,
  sourceKey,
  type SourceKind,
  type SourceObject,
} from './resources.js';

export interface ArtifactGeneratorOptions {
  /** Flux: --requeue-dependency. */
  readonly requeueDependencyMs: number;
  /** Flux: --no-cross-namespace-refs. */
  readonly noCrossNamespaceRefs?: boolean;
}

/** Index of ArtifactGenerators by the `Kind/namespace/name` of each source they read. */
export const GENERATORS_BY_SOURCE_INDEX = 'spec.sources';

export function registerArtifactGenerator(
  manager: Manager,
  storage: ArtifactStorage,
  opts: ArtifactGeneratorOptions,
): void {
  const generators = manager.informer<ArtifactGenerator>(ArtifactGenerators, { sharded: true });
  generators.addIndexer(GENERATORS_BY_SOURCE_INDEX, (g) =>
    (g.spec?.sources ?? []).map((s) => sourceKey(s.kind, s.namespace ?? g.metadata.namespace ?? '', s.name)),
  );
  const controller = manager.controller({
    name: 'artifactgenerator',
    reconciler: new ArtifactGeneratorReconciler({
      client: manager.client,
      storage,
      events: manager.eventsFor('source-controller'),
      metrics: manager.metrics,
      requeueDependencyMs: opts.requeueDependencyMs,
      noCrossNamespaceRefs: opts.noCrossNamespaceRefs === true,
      cached: (namespace, name) => generators.store.get(objectKey({ namespace, name })),
    }),
  });
  controller.watchPrimary(generators, (event) => generationOrRequestChanged(event) || enabledChanged(event));

  for (const kind of Object.keys(SourceResources) as SourceKind[]) {
    // Not sharded: a generator may read sources of any shard.
    const sources = manager.informer<SourceObject>(SourceResources[kind]);
    controller.watchRelated(sources, (event) => {
      if (!artifactChanged(event)) return [];
      const { namespace = '', name } = event.object.metadata;
      return generators.store
        .byIndex(GENERATORS_BY_SOURCE_INDEX, sourceKey(kind, namespace, name))
        .map(requestFor);
    });
    if (kind === 'ExternalArtifact') {
      // A generated ExternalArtifact deleted by someone else is recreated.
      controller.watchRelated(sources, (event) => {
        const generator = event.object.metadata.labels?.[GENERATOR_LABEL];
        if (event.type !== 'delete' || generator === undefined) return [];
        return [{ namespace: event.object.metadata.namespace ?? '', name: generator }];
      });
    }
  }
}

function requestFor(g: ArtifactGenerator): Request {
  return { namespace: g.metadata.namespace ?? '', name: g.metadata.name };
}

/** A new artifact (digest or revision), or a source appearing with or losing one. */
export function artifactChanged(event: InformerEvent<SourceObject>): boolean {
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

/** The disable annotation was set or removed: re-enabling must reconcile at once. */
function enabledChanged(event: InformerEvent<ArtifactGenerator>): boolean {
  if (event.type !== 'update') return false;
  return (
    event.old.metadata.annotations?.[RECONCILE_ANNOTATION] !==
    event.object.metadata.annotations?.[RECONCILE_ANNOTATION]
  );
}
