// Finds or builds tide-render (renderer/) and, for tests and benchmarks, the
// upstream command-line tools built from the very same Go module graph, so
// that a comparison between the two compares engines of one version.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGoBuild, findRepoModule, type GoBuildOptions } from '../gobuild/build.js';

/**
 * Build flags for the helper and the tools alike. Helm reports its version
 * (`.Capabilities.HelmVersion`) from a linker variable; without it a build
 * says "v4.3" where the released binary says "v4.3.1".
 */
function buildFlags(moduleDir: string): string[] {
  return ['-trimpath', `-ldflags=${['-s', '-w', ...versionLdflags(moduleDir)].join(' ')}`];
}

/** The linker flags that stamp upstream versions (also used for `go test`). */
export function versionLdflags(moduleDir: string): string[] {
  const goMod = readFileSync(path.join(moduleDir, 'go.mod'), 'utf8');
  const helm = /^\s*helm\.sh\/helm\/v4\s+(v\S+)/m.exec(goMod)?.[1];
  return helm === undefined ? [] : [`-X helm.sh/helm/v4/internal/version.version=${helm}`];
}

/** Locates the renderer Go module by walking up from this file. */
export function rendererModuleDir(from = path.dirname(fileURLToPath(import.meta.url))): string {
  return findRepoModule('renderer', from);
}

/** Returns the tide-render binary for the current sources, building it when missing. */
export async function ensureRendererBinary(opts: GoBuildOptions & { moduleDir?: string }): Promise<string> {
  const moduleDir = opts.moduleDir ?? rendererModuleDir();
  const result = await ensureGoBuild(
    {
      name: 'renderer',
      label: 'the renderer (tide-render)',
      moduleDir,
      flags: buildFlags(moduleDir),
      packages: ['.'],
      outputs: ['tide-render'],
      // The WebAssembly probe (ADR 0005) is a benchmark, not part of tide-render.
      excludeDirs: ['wasmprobe'],
    },
    opts,
  );
  return result.paths['tide-render'] ?? path.join(result.dir, 'tide-render');
}

export interface UpstreamTools {
  readonly kustomize: string;
  readonly helm: string;
  readonly sops: string;
  readonly ageKeygen: string;
}

/**
 * The upstream `kustomize`, `helm`, `sops` and `age-keygen` binaries, built
 * from the renderer's go.mod (its `tool` lines), so their versions are the
 * ones tide-render links.
 */
export async function ensureUpstreamTools(
  opts: GoBuildOptions & { moduleDir?: string },
): Promise<UpstreamTools> {
  const moduleDir = opts.moduleDir ?? rendererModuleDir();
  const result = await ensureGoBuild(
    {
      name: 'upstream-tools',
      label: 'the upstream kustomize, helm and sops tools',
      moduleDir,
      flags: buildFlags(moduleDir),
      packages: [
        'sigs.k8s.io/kustomize/kustomize/v5',
        'helm.sh/helm/v4/cmd/helm',
        'github.com/getsops/sops/v3/cmd/sops',
        'filippo.io/age/cmd/age-keygen',
      ],
      outputs: ['kustomize', 'helm', 'sops', 'age-keygen'],
      modulesOnly: true,
    },
    opts,
  );
  const at = (name: string): string => path.join(result.dir, name);
  return { kustomize: at('kustomize'), helm: at('helm'), sops: at('sops'), ageKeygen: at('age-keygen') };
}
