// Applying an installation: server-side apply under the `tide` field manager, CRDs
// first and waited for until Established (objects of those kinds may follow), then
// everything else in manifest order. A second run with other options is an upgrade:
// apply takes over the fields and leaves the rest alone.
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeObject } from '../api/object.js';
import type { KubeClient } from '../runtime/client/client.js';
import { isNotFound } from '../runtime/client/errors.js';
import { manifestRef, type Manifest } from './manifest.js';
import { InstallResources, resourceOfKind } from './resources.js';

export const FIELD_MANAGER = 'tide';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface AppliedObject {
  /** `Kind/name` or `Kind/namespace/name`. */
  readonly ref: string;
  readonly action: ApplyAction;
}

export interface ApplyInstallationOptions {
  readonly client: KubeClient;
  /** Aborts the whole install (Ctrl-C or --timeout). */
  readonly signal: AbortSignal;
  /** Called once per object as it is applied. */
  readonly onApplied?: (applied: AppliedObject) => void;
}

export class InstallError extends Error {
  override readonly name = 'InstallError';
}

export const isCrd = (obj: Pick<Manifest, 'kind'>): boolean => obj.kind === 'CustomResourceDefinition';

/** Applies the objects one by one, in order; returns what happened to each. */
export async function applyObjects(
  objects: readonly Manifest[],
  opts: ApplyInstallationOptions,
): Promise<AppliedObject[]> {
  const results: AppliedObject[] = [];
  for (const obj of objects) results.push(await applyOne(obj, opts));
  return results;
}

async function applyOne(obj: Manifest, opts: ApplyInstallationOptions): Promise<AppliedObject> {
  const res = resourceOfKind(obj.kind);
  const ref = manifestRef(obj);
  let before: KubeObject | undefined;
  try {
    before = await opts.client.get(res, obj.metadata.name, obj.metadata.namespace, opts.signal);
  } catch (err) {
    if (!isNotFound(err)) throw applyError(ref, 'reading', err);
  }
  let after: KubeObject;
  try {
    after = await opts.client.apply(res, obj, {
      fieldManager: FIELD_MANAGER,
      force: true,
      signal: opts.signal,
    });
  } catch (err) {
    throw applyError(ref, 'applying', err);
  }
  const action: ApplyAction =
    before === undefined
      ? 'created'
      : before.metadata.resourceVersion === after.metadata.resourceVersion
        ? 'unchanged'
        : 'configured';
  const applied = { ref, action };
  opts.onApplied?.(applied);
  return applied;
}

function applyError(ref: string, doing: string, err: unknown): Error {
  if (err instanceof Error && err.name === 'AbortError') return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new InstallError(`${doing} ${ref} failed: ${reason}`, { cause: err });
}

interface CrdStatus {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

/** Why a CRD is not usable yet, or undefined once it is Established. */
export function crdNotEstablished(crd: CrdStatus): string | undefined {
  const conditions = crd.status?.conditions ?? [];
  const established = conditions.find((c) => c.type === 'Established');
  if (established?.status === 'True') return undefined;
  const names = conditions.find((c) => c.type === 'NamesAccepted');
  if (names?.status === 'False') return `names not accepted: ${names.message ?? names.reason ?? ''}`;
  return established?.message ?? 'not established yet';
}

export interface CrdWaitOptions {
  readonly client: KubeClient;
  readonly signal: AbortSignal;
  /** The CRDs were not applied by this run: a missing one is an error, not something to wait for. */
  readonly mustExist?: boolean;
}

/** Waits until every named CRD is Established; throws InstallError at the signal's timeout. */
export async function waitForCrds(names: readonly string[], opts: CrdWaitOptions): Promise<void> {
  if (names.length === 0) return;
  let pending = [...names];
  let last = new Map<string, string>();
  while (pending.length > 0) {
    const still = new Map<string, string>();
    for (const name of pending) {
      try {
        const crd = await opts.client.get<KubeObject & CrdStatus>(
          InstallResources.CustomResourceDefinition,
          name,
          undefined,
          opts.signal,
        );
        const why = crdNotEstablished(crd);
        if (why !== undefined) still.set(name, why);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        if (opts.mustExist === true) {
          throw new InstallError(
            `CustomResourceDefinition ${name} is not installed: install the CRDs first, or run tide install without --skip-crds`,
          );
        }
        still.set(name, 'not found');
      }
    }
    pending = [...still.keys()];
    last = still;
    if (pending.length === 0) return;
    if (opts.signal.aborted) break;
    try {
      await delay(250, undefined, { signal: opts.signal });
    } catch {
      break;
    }
  }
  const detail = [...last].map(([name, why]) => `${name} (${why})`).join(', ');
  throw new InstallError(`CRDs not established before the timeout: ${detail}`);
}

/**
 * Whether the namespace is being deleted (a re-install right after an uninstall):
 * objects cannot be created in it until it is gone.
 */
export async function namespaceTerminating(
  client: KubeClient,
  name: string,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    const ns = await client.get(InstallResources.Namespace, name, undefined, signal);
    return ns.metadata.deletionTimestamp !== undefined;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Waits until a terminating namespace is gone. */
export async function waitNamespaceGone(
  client: KubeClient,
  name: string,
  signal: AbortSignal,
): Promise<void> {
  while (await namespaceTerminating(client, name, signal)) {
    await delay(500, undefined, { signal });
  }
}
