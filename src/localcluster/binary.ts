// Finds or builds the localcluster Go binary (see src/gobuild for the cache).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGoBuild, findRepoModule } from '../gobuild/build.js';

export { BuildError, isErrnoException, sourceHash, ToolchainError } from '../gobuild/build.js';

export interface BinaryOptions {
  /** Directory that holds cached binaries, e.g. ~/.cache/tide. */
  readonly cacheDir: string;
  /** The Go command; `go` on PATH by default. */
  readonly goCommand?: string;
  /** Folder of the Go module; found from this file's location by default. */
  readonly moduleDir?: string;
  /** Receives build progress lines. */
  readonly onProgress?: (line: string) => void;
}

export interface BinaryResult {
  readonly path: string;
  /** True when this call compiled the binary. */
  readonly built: boolean;
  readonly buildSeconds?: number;
}

/** Locates the localcluster Go module by walking up from this file. */
export function findModuleDir(from = path.dirname(fileURLToPath(import.meta.url))): string {
  return findRepoModule('localcluster', from);
}

/** Returns the cached binary for the current sources, building it when missing. */
export async function ensureBinary(opts: BinaryOptions): Promise<BinaryResult> {
  const moduleDir = opts.moduleDir ?? findModuleDir();
  const flags = buildArgs(await readFile(path.join(moduleDir, 'go.mod'), 'utf8')).slice(1);
  const result = await ensureGoBuild(
    { name: 'localcluster', label: 'the local cluster', moduleDir, flags, packages: ['.'], outputs: ['localcluster'] },
    opts,
  );
  const binary = result.paths.localcluster ?? path.join(result.dir, 'localcluster');
  return result.built ? { path: binary, built: true, buildSeconds: result.buildSeconds } : { path: binary, built: false };
}

/**
 * The `go build` arguments. Kubernetes reports its version from variables set
 * by the linker; without them the apiserver claims v0.0.0-master, which breaks
 * version checks (kubectl, Helm's .Capabilities.KubeVersion).
 */
export function buildArgs(goMod: string): string[] {
  const ldflags = ['-s', '-w'];
  const match = /^\s*k8s\.io\/kubernetes\s+v(\d+)\.(\d+)\.(\d+)\s*$/m.exec(goMod);
  if (match === null) return ['build', '-trimpath', `-ldflags=${ldflags.join(' ')}`];
  const [, major = '', minor = '', patch = ''] = match;
  const version = `v${major}.${minor}.${patch}`;
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    ldflags.push(
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
    );
  }
  return ['build', '-trimpath', `-ldflags=${ldflags.join(' ')}`];
}
