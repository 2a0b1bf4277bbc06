// Step 3: download the artifact (digest verified, hardened extraction into a random
// temp dir), build it with the upstream Kustomize engine (spec overrides, SOPS),
// substitute variables, and label every object with its owner.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Reason } from '../../../api/meta/conditions.js';
import type { Kustomization } from '../../../api/kustomize/kustomization.js';
import { ArtifactFetchError, DigestMismatchError } from '../../../artifact/fetch.js';
import { UntarError } from '../../../artifact/untar.js';
import { isNotFound } from '../../../runtime/client/errors.js';
import { CoreResources } from '../../../runtime/client/resource.js';
import { done, type Result } from '../../../runtime/controller/controller.js';
import { ReconcileError, StalledError, WaitError } from '../../../runtime/reconcile/errors.js';
import { renderKustomization } from '../../../render/kustomization.js';
import { RenderError, RendererUnavailableError } from '../../../render/renderer.js';
import { mergeSopsKeys, sopsKeysFromSecret } from '../../../render/sops-keys.js';
import { collectVariables, SubstitutionError } from '../../../render/substitute.js';
import type { SopsKeys } from '../../../render/types.js';
import type { KustomizationDeps, KustomizationState, Scratch } from './deps.js';
import { kustomizeSpec, readSubstituteData, withOwnerLabels } from './build-inputs.js';
import { retryIntervalMs, timeoutMs } from './timing.js';

interface DataObject {
  metadata: { name: string };
  data?: Record<string, string>;
}

export async function reconcileBuild(
  state: KustomizationState,
  deps: KustomizationDeps,
  scratch: Scratch,
): Promise<Result> {
  const obj = state.object;
  const source = scratch.source;
  if (source === undefined || obj.spec === undefined) throw new Error('reconcileBuild: no source resolved');
  const signal = AbortSignal.any([state.signal, AbortSignal.timeout(timeoutMs(obj))]);
  let fetched;
  try {
    fetched = await deps.artifacts.acquire({
      url: source.artifact.url,
      digest: source.artifact.digest,
      retries: deps.httpRetry,
      signal,
    });
  } catch (err) {
    throw artifactError(err, source.kind, `${source.namespace}/${source.name}`, retryIntervalMs(obj), deps);
  }
  scratch.artifact = fetched;
  await checkPath(fetched.dir, obj.spec.path ?? '');
  const keys = await decryptionKeys(obj, deps, state.signal);
  const postBuild = obj.spec.postBuild;
  let vars: Map<string, string> | undefined;
  if (postBuild !== undefined) {
    try {
      vars = await collectVariables(postBuild, (kind, name) =>
        readSubstituteData(deps.client, obj, kind, name, state.signal),
      );
    } catch (err) {
      if (err instanceof SubstitutionError)
        throw new ReconcileError(Reason.BuildFailed, err.message, { cause: err });
      throw err;
    }
  }
  try {
    const rendered = await renderKustomization(
      deps.renderer,
      {
        root: fetched.dir,
        path: obj.spec.path ?? '',
        spec: kustomizeSpec(obj),
        allowRemoteBases: !deps.noRemoteBases,
        ...(keys === undefined ? {} : { decryption: { keys } }),
        ...(vars === undefined
          ? {}
          : {
              postBuild: {
                vars,
                strict: deps.strictSubstitutions,
                strategy: postBuild?.substituteStrategy ?? 'WithVariables',
              },
            }),
      },
      { signal, timeoutMs: timeoutMs(obj) },
    );
    scratch.objects = rendered.objects.map((o) => withOwnerLabels(o, obj));
    scratch.digest = rendered.digest;
  } catch (err) {
    if (err instanceof RendererUnavailableError) throw err;
    if (err instanceof RenderError || err instanceof SubstitutionError) {
      throw new ReconcileError(Reason.BuildFailed, `kustomize build failed: ${err.message}`, { cause: err });
    }
    throw err;
  }
  return done;
}

function artifactError(
  err: unknown,
  kind: string,
  id: string,
  retryMs: number,
  deps: KustomizationDeps,
): Error {
  if (err instanceof ArtifactFetchError && err.status === 404) {
    return new WaitError(
      Reason.ArtifactFailed,
      `Source is not ready, artifact not found: ${kind}/${id}`,
      deps.requeueDependencyMs,
      { cause: err },
    );
  }
  if (err instanceof DigestMismatchError || err instanceof UntarError || err instanceof ArtifactFetchError) {
    return new WaitError(Reason.ArtifactFailed, `${kind}/${id}: ${err.message}`, retryMs, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** SOPS keys of spec.decryption.secretRef plus the controller-wide keys; undefined without spec.decryption. */
async function decryptionKeys(
  obj: Kustomization,
  deps: KustomizationDeps,
  signal: AbortSignal,
): Promise<SopsKeys | undefined> {
  const decryption = obj.spec?.decryption;
  if (decryption === undefined) return undefined;
  const global = { age: deps.globalAgeKeys ?? [] };
  const ref = decryption.secretRef;
  if (ref === undefined) return mergeSopsKeys(global);
  const namespace = obj.metadata.namespace ?? '';
  let secret: DataObject;
  try {
    secret = await deps.client.get(CoreResources.Secret, ref.name, namespace, signal);
  } catch (err) {
    if (isNotFound(err)) {
      throw new ReconcileError(
        Reason.BuildFailed,
        `spec.decryption.secretRef: Secret ${namespace}/${ref.name} not found: create it with the SOPS keys (*.agekey, *.asc)`,
      );
    }
    throw err;
  }
  const keys = sopsKeysFromSecret(secret.data);
  if (keys.unsupported.length > 0 && (keys.age?.length ?? 0) + (keys.pgp?.length ?? 0) === 0) {
    throw new StalledError(
      Reason.BuildFailed,
      `spec.decryption.secretRef: Secret ${namespace}/${ref.name} only has ${keys.unsupported.join(', ')}, ` +
        'which Tide does not support yet: use age (*.agekey) or OpenPGP (*.asc) keys',
    );
  }
  return mergeSopsKeys(keys, global);
}

/**
 * A path missing from the artifact is a source problem (Flux: ArtifactFailed), never an empty
 * build: nothing may be pruned because a folder moved. Symlinks and escapes are left to the
 * renderer's confined filesystem, which refuses them.
 */
async function checkPath(root: string, specPath: string): Promise<void> {
  const resolved = path.resolve(root, specPath);
  const inside = resolved === root || resolved.startsWith(root + path.sep);
  const found = inside ? await stat(resolved).catch(() => undefined) : undefined;
  if (found?.isDirectory() !== true) {
    throw new ReconcileError(
      Reason.ArtifactFailed,
      `kustomization path not found: "${specPath}" is not a directory in the source artifact; check spec.path`,
    );
  }
}
