// A local build of a Flux Kustomization, step for step as the controller's build:
// the spec's kustomize overrides, post-build variables (inline, and from the cluster's
// ConfigMaps and Secrets unless --dry-run), SOPS keys from spec.decryption, the same
// renderer and substitution code, then the owner labels. With `recursive`, the
// Kustomizations the build holds are built too, from their local sources.
import path from 'node:path';
import type { Kustomization } from '../../api/kustomize/kustomization.js';
import type { KubeClient } from '../../runtime/client/client.js';
import { renderKustomization, type RenderedObject } from '../../render/kustomization.js';
import { RenderError, RendererUnavailableError, type Renderer } from '../../render/renderer.js';
import { collectVariables, SubstitutionError } from '../../render/substitute.js';
import type { PostBuild } from '../../api/kustomize/kustomization-spec.js';
import { closest } from '../resources/nouns.js';
import { CliError } from '../context.js';
import { decryptionKeys, kustomizeSpec, readSubstituteData, withOwnerLabels } from './controller-inputs.js';
import {
  checkSpec,
  getKustomization,
  isKustomization,
  Kustomizations,
  readKustomizationFile,
} from './kustomization-object.js';
import { findSourceRoot, ignorePathsFor, StagedSources } from './stage.js';

export interface LocalBuildOptions {
  readonly name: string;
  readonly namespace: string;
  /** --path: the local folder matching spec.path. */
  readonly dir: string;
  readonly kustomizationFile?: string | undefined;
  /** No cluster: --kustomization-file is required, substituteFrom is skipped. */
  readonly dryRun: boolean;
  readonly strictSubstitute: boolean;
  readonly ignorePaths: readonly string[];
  readonly recursive: boolean;
  /** --local-sources: `Kind/namespace/name` → local folder of that source's root. */
  readonly localSources: ReadonlyMap<string, string>;
  /** With --kustomization-file, go on when the cluster has no such Kustomization (diff --ignore-not-found). */
  readonly ignoreNotFound?: boolean;
  /** Absent with dryRun. */
  readonly client?: KubeClient | undefined;
  readonly renderer: Renderer;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  readonly cwd: string;
  /** Diagnostics for stderr. */
  readonly note: (line: string) => void;
}

/** One Kustomization's build: the object it follows, the live one (for its inventory), its objects. */
export interface BuiltKustomization {
  readonly kustomization: Kustomization;
  readonly live: Kustomization | undefined;
  readonly objects: readonly RenderedObject[];
}

/** Builds the Kustomization and, when recursive, the ones it holds; depth first, the root first. */
export async function buildLocal(opts: LocalBuildOptions): Promise<BuiltKustomization[]> {
  const { kustomization, live } = await rootKustomization(opts);
  const dir = path.resolve(opts.cwd, opts.dir);
  const sourceRoot = await findSourceRoot(dir, kustomization.spec?.path ?? '', opts.cwd);
  const staged = new StagedSources({
    root: sourceRoot,
    patterns: ignorePathsFor(sourceRoot, dir, opts.ignorePaths),
  });
  try {
    const sources = new Map([...opts.localSources].map(([k, v]) => [k, path.resolve(opts.cwd, v)]));
    const rootSource = sourceKey(kustomization);
    if (rootSource !== undefined && !sources.has(rootSource)) sources.set(rootSource, sourceRoot);
    const out: BuiltKustomization[] = [];
    const visited = new Set<string>();
    const visit = async (k: Kustomization, l: Kustomization | undefined, root: string, at: string) => {
      visited.add(keyOf(k));
      const location = await staged.locate(root, at, out.length === 0 ? '--path' : 'local source path');
      const objects = await buildOne(k, location, opts);
      out.push({ kustomization: k, live: l, objects });
      if (!opts.recursive) return;
      for (const obj of objects) {
        if (!isKustomization(obj)) continue;
        const nested = { ...obj, metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? '' } };
        if (visited.has(keyOf(nested))) continue;
        const { kustomization: child, live: childLive } = await nestedKustomization(nested, opts);
        const [childRoot, childDir] = nestedLocation(child, sources);
        await visit(child, childLive, childRoot, childDir);
      }
    };
    await visit(kustomization, live, sourceRoot, dir);
    return out;
  } finally {
    await staged.remove();
  }
}

function keyOf(k: Kustomization): string {
  return `${k.metadata.namespace ?? ''}/${k.metadata.name}`;
}

/** `Kind/namespace/name` of the source, the form --local-sources takes. */
function sourceKey(k: Kustomization): string | undefined {
  const ref = k.spec?.sourceRef;
  if (ref === undefined) return undefined;
  return `${ref.kind}/${ref.namespace ?? k.metadata.namespace ?? ''}/${ref.name}`;
}

function nestedLocation(k: Kustomization, sources: ReadonlyMap<string, string>): [string, string] {
  const key = sourceKey(k);
  const root = key === undefined ? undefined : sources.get(key);
  if (root === undefined) {
    throw new CliError(
      `--recursive: Kustomization ${keyOf(k)} builds ${key ?? 'no sourceRef'}, which has no local path: ` +
        `map it with --local-sources ${key ?? 'Kind/namespace/name'}=./path/to/its/checkout`,
    );
  }
  return [root, path.join(root, k.spec?.path ?? '')];
}

async function rootKustomization(
  opts: LocalBuildOptions,
): Promise<{ kustomization: Kustomization; live: Kustomization | undefined }> {
  const id = `${opts.namespace}/${opts.name}`;
  if (opts.dryRun) {
    if (opts.kustomizationFile === undefined) {
      throw new CliError(
        '--dry-run needs --kustomization-file: without the cluster, the Kustomization comes from a file',
      );
    }
    return {
      kustomization: await readKustomizationFile(opts.kustomizationFile, opts.name, opts.namespace),
      live: undefined,
    };
  }
  const client = requireClient(opts);
  const live = await getKustomization(client, opts.namespace, opts.name, opts.signal);
  if (opts.kustomizationFile !== undefined) {
    const local = await readKustomizationFile(opts.kustomizationFile, opts.name, opts.namespace);
    if (live === undefined && opts.ignoreNotFound !== true) {
      throw new CliError(
        `Kustomization ${id} not found in the cluster: build with --dry-run to use the file alone` +
          ' (diff: --ignore-not-found treats every object as new)',
      );
    }
    // The inventory (what prune would delete) is the cluster's.
    return {
      kustomization: live?.status === undefined ? local : { ...local, status: live.status },
      live,
    };
  }
  if (live === undefined) throw new CliError(await notFoundMessage(client, opts));
  checkSpec(live, 'the cluster');
  return { kustomization: live, live };
}

async function notFoundMessage(client: KubeClient, opts: LocalBuildOptions): Promise<string> {
  const base = `Kustomization ${opts.namespace}/${opts.name} not found`;
  try {
    const list = await client.list(Kustomizations, { namespace: opts.namespace, signal: opts.signal });
    const names = list.items.map((i) => i.metadata.name);
    const near = closest(opts.name, names);
    if (near.length > 0) return `${base}: did you mean ${near.join(', ')}?`;
    if (names.length === 0)
      return `${base}: there are no Kustomizations in ${opts.namespace} (-n/--namespace)`;
  } catch {
    // The suggestion is a courtesy; the missing object is the error.
  }
  return `${base}; check the name and -n/--namespace, or use --kustomization-file`;
}

async function nestedKustomization(
  built: Kustomization,
  opts: LocalBuildOptions,
): Promise<{ kustomization: Kustomization; live: Kustomization | undefined }> {
  checkSpec(built, 'the build');
  if (opts.dryRun) return { kustomization: built, live: undefined };
  const client = requireClient(opts);
  const ns = built.metadata.namespace ?? '';
  // As Flux: the cluster's object when there is one, else the one just built.
  const live = await getKustomization(client, ns, built.metadata.name, opts.signal);
  return { kustomization: live ?? built, live };
}

function requireClient(opts: LocalBuildOptions): KubeClient {
  if (opts.client === undefined) throw new Error('buildLocal: a client is needed without --dry-run');
  return opts.client;
}

async function buildOne(
  k: Kustomization,
  location: { root: string; path: string },
  opts: LocalBuildOptions,
): Promise<RenderedObject[]> {
  const postBuild = k.spec?.postBuild;
  const vars = postBuild === undefined ? undefined : await variables(k, postBuild, opts);
  const decryption = k.spec?.decryption;
  let keys;
  if (decryption !== undefined && !opts.dryRun)
    keys = await decryptionKeys(requireClient(opts), k, opts.signal);
  else if (decryption !== undefined)
    opts.note(`--dry-run: the SOPS keys of spec.decryption are not read; encrypted files cannot be built`);
  try {
    const rendered = await renderKustomization(
      opts.renderer,
      {
        root: location.root,
        path: location.path,
        spec: kustomizeSpec(k),
        allowRemoteBases: true,
        ...(keys === undefined ? {} : { decryption: { keys } }),
        ...(vars === undefined || postBuild === undefined
          ? {}
          : {
              postBuild: {
                vars,
                strict: opts.strictSubstitute,
                strategy: postBuild.substituteStrategy ?? 'WithVariables',
              },
            }),
      },
      { signal: opts.signal, timeoutMs: opts.timeoutMs },
    );
    return rendered.objects.map((o) => withOwnerLabels(o, k));
  } catch (err) {
    if (err instanceof RenderError || err instanceof SubstitutionError) {
      throw new CliError(`Kustomization ${keyOf(k)}: kustomize build failed: ${err.message}`);
    }
    if (err instanceof RendererUnavailableError) {
      throw new CliError(`the renderer (tide-render) is unavailable: ${err.message}`);
    }
    throw err;
  }
}

async function variables(
  k: Kustomization,
  postBuild: PostBuild,
  opts: LocalBuildOptions,
): Promise<Map<string, string>> {
  const from = postBuild.substituteFrom ?? [];
  let effective = postBuild;
  if (opts.dryRun && from.length > 0) {
    opts.note(
      `--dry-run: postBuild.substituteFrom is not read (${from.map((r) => `${r.kind}/${r.name}`).join(', ')}); ` +
        'only postBuild.substitute is used',
    );
    effective = { ...postBuild, substituteFrom: [] };
  }
  try {
    return await collectVariables(effective, (kind, name) =>
      readSubstituteData(requireClient(opts), k, kind, name, opts.signal),
    );
  } catch (err) {
    if (err instanceof SubstitutionError) throw new CliError(`Kustomization ${keyOf(k)}: ${err.message}`);
    throw err;
  }
}
