// ArtifactGeneratorReconciler (Flux source-watcher): the skeleton plus four steps —
// sources (validate, resolve), drift (stop when nothing changed), build (fetch, copy,
// archive) and publish (ExternalArtifacts, inventory, prune). A generator whose
// sources and spec are unchanged costs a few GETs: nothing is fetched or written.
// `source.extensions.fluxcd.io/reconcile: disabled` suspends it without touching status.
import { FLUX_FINALIZER } from '../../../api/meta/conditions.js';
import type { GeneratedArtifactReference } from '../../../api/sourceextensions/artifactgenerator.js';
import type { ExternalArtifact } from '../../../api/source/externalartifact.js';
import {
  done,
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
} from '../../../runtime/controller/controller.js';
import { addFinalizer } from '../../../runtime/reconcile/finalizers.js';
import { reconcileObject } from '../../../runtime/reconcile/skeleton.js';
import { newScratch, type ArtifactGeneratorDeps, type GeneratorObject } from './deps.js';
import { deleteExternalArtifact } from './external-artifacts.js';
import { FIELD_MANAGER, GENERATOR_LABEL, GeneratorReason, generatorLabelValue, isDisabled } from './names.js';
import { reconcileBuild, removeWorkDir } from './reconcile-build.js';
import { reconcileDrift } from './reconcile-drift.js';
import { reconcilePublish } from './reconcile-publish.js';
import { reconcileSources } from './reconcile-sources.js';
import { ArtifactGenerators, ExternalArtifacts } from './resources.js';

export class ArtifactGeneratorReconciler implements Reconciler {
  readonly #deps: ArtifactGeneratorDeps;

  constructor(deps: ArtifactGeneratorDeps) {
    this.#deps = deps;
  }

  async reconcile(request: Request, ctx: ReconcileContext): Promise<Result> {
    const deps = this.#deps;
    if (await this.#disabled(request, ctx)) return done;
    const scratch = newScratch();
    try {
      return await reconcileObject<GeneratorObject>(
        {
          client: deps.client,
          resource: ArtifactGenerators,
          fieldManager: FIELD_MANAGER,
          metrics: deps.metrics,
          events: deps.events,
          steps: [
            (s) => reconcileSources(s, deps, scratch),
            (s) => reconcileDrift(s, deps, scratch),
            (s) => reconcileBuild(s, deps, scratch),
            (s) => reconcilePublish(s, deps, scratch),
          ],
          finalize: (object, c) => this.#finalize(object, c),
        },
        request,
        ctx,
      );
    } finally {
      await removeWorkDir(scratch);
    }
  }

  /** Disabled (per the informer cache) and not being deleted: no work, status untouched. */
  async #disabled(request: Request, ctx: ReconcileContext): Promise<boolean> {
    const cached = this.#deps.cached?.(request.namespace ?? '', request.name);
    if (cached === undefined || cached.metadata.deletionTimestamp !== undefined) return false;
    if (!isDisabled(cached.metadata.annotations)) return false;
    // The finalizer still goes on, so storage is cleaned up if it is deleted while disabled.
    await addFinalizer(this.#deps.client, ArtifactGenerators, cached, FLUX_FINALIZER, ctx.signal);
    ctx.log.info('reconciliation is disabled', { kind: ArtifactGenerators.kind });
    this.#deps.events?.warning(cached, GeneratorReason.ReconciliationDisabled, 'Reconciliation is disabled');
    return true;
  }

  /** Deletes every generated ExternalArtifact (inventory and labelled ones) and its storage. */
  async #finalize(object: GeneratorObject, ctx: ReconcileContext): Promise<void> {
    const deps = this.#deps;
    const namespace = object.metadata.namespace ?? '';
    const refs = new Map<string, { namespace: string; name: string }>();
    const inventory: readonly GeneratedArtifactReference[] = object.status?.inventory ?? [];
    for (const e of inventory) refs.set(`${e.namespace}/${e.name}`, { namespace: e.namespace, name: e.name });
    const label = generatorLabelValue(object.metadata.name);
    if (label !== undefined) {
      const labelled = await deps.client.list<ExternalArtifact>(ExternalArtifacts, {
        namespace,
        labelSelector: `${GENERATOR_LABEL}=${label}`,
        signal: ctx.signal,
      });
      for (const ea of labelled.items) {
        refs.set(`${namespace}/${ea.metadata.name}`, { namespace, name: ea.metadata.name });
      }
    }
    for (const ref of refs.values()) {
      await deleteExternalArtifact(deps.client, deps.storage, object, ref, ctx.signal);
    }
  }
}
