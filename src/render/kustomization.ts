// The whole build of a Flux Kustomization, as the controller and
// `tide build kustomization` run it: the upstream Kustomize build (with Flux's
// generated kustomization, spec overrides and SOPS decryption, in
// tide-render), then post-build substitution per object, then the checks
// every object must pass before it may be applied.
import { createHash } from 'node:crypto';
import { parseAllDocuments, stringify } from 'yaml';
import type { Renderer, CallOptions } from './renderer.js';
import { RenderError } from './renderer.js';
import { substituteObject, type SubstituteStrategy, type Variables } from './substitute.js';
import type { KustomizeSpec, SopsKeys } from './types.js';

export interface KustomizationRenderInput {
  readonly root: string;
  readonly path: string;
  readonly spec?: KustomizeSpec;
  readonly allowRemoteBases?: boolean;
  readonly decryption?: { readonly keys: SopsKeys };
  readonly postBuild?: {
    readonly vars: Variables;
    readonly strict: boolean;
    readonly strategy?: SubstituteStrategy;
  };
}

export type RenderedObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace?: string };
};

export interface RenderedKustomization {
  readonly objects: readonly RenderedObject[];
  /** The objects as one YAML stream, after substitution. */
  readonly yaml: string;
  /** sha256 of `yaml`, Flux's history digest. */
  readonly digest: string;
}

/** Limits for parsing the build output (it is already alias-free; these guard the substitution output). */
const parseOptions = { maxAliasCount: 100, uniqueKeys: true, merge: false, prettyErrors: false } as const;

export async function renderKustomization(
  renderer: Renderer,
  input: KustomizationRenderInput,
  opts: CallOptions = {},
): Promise<RenderedKustomization> {
  const built = await renderer.kustomizeBuild(
    {
      root: input.root,
      path: input.path,
      spec: input.spec,
      allowRemoteBases: input.allowRemoteBases ?? false,
      decryption: input.decryption ?? null,
    },
    opts,
  );
  const objects: RenderedObject[] = [];
  const docs = parseAllDocuments(built, parseOptions);
  for (const [index, doc] of (Array.isArray(docs) ? docs : [docs]).entries()) {
    if (doc.errors.length > 0) {
      throw new RenderError(
        'BuildFailed',
        `cannot parse object ${String(index + 1)} of the build output: ${doc.errors[0]?.message ?? ''}`,
      );
    }
    let obj = doc.toJS(parseOptions) as unknown;
    if (obj === null || obj === undefined) continue;
    if (input.postBuild !== undefined && isRecord(obj)) {
      obj = substituteObject(obj, input.postBuild.vars, {
        strict: input.postBuild.strict,
        strategy: input.postBuild.strategy ?? 'WithVariables',
      });
    }
    objects.push(checkObject(obj, index));
  }
  const yaml = objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
  return { objects, yaml, digest: `sha256:${createHash('sha256').update(yaml).digest('hex')}` };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every object needs apiVersion, kind and metadata.name (after substitution too). */
function checkObject(obj: unknown, index: number): RenderedObject {
  const where = `object ${String(index + 1)} of the build output`;
  if (!isRecord(obj)) throw new RenderError('BuildFailed', `${where} is not a mapping`);
  const { apiVersion, kind, metadata } = obj;
  const name = isRecord(metadata) ? metadata.name : undefined;
  const label = `${typeof kind === 'string' ? kind : '<no kind>'}/${typeof name === 'string' ? name : '<no name>'} (${where})`;
  for (const [field, value] of [
    ['apiVersion', apiVersion],
    ['kind', kind],
    ['metadata.name', name],
  ] as const) {
    if (typeof value !== 'string' || value === '') {
      throw new RenderError(
        'BuildFailed',
        `${label} has no ${field}; every object needs apiVersion, kind and metadata.name`,
      );
    }
  }
  return obj as RenderedObject;
}
