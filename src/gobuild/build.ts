// Builds Go programs of this repository (the local cluster, the rendering
// helper, the upstream tools the tests compare against) and caches them under
// a name derived from a hash of what determines the output: the Go sources
// and module files, the toolchain and the build recipe. An up-to-date build is
// found without invoking Go at all, and a fresh clone on a machine that built
// the same sources before reuses it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

export interface GoBuildSpec {
  /** Cache folder name and the name used in messages, e.g. `localcluster`. */
  readonly name: string;
  /** What is built, for messages: "the local cluster". */
  readonly label: string;
  /** Folder of the Go module. */
  readonly moduleDir: string;
  /** `go build` flags before the packages (without -o). */
  readonly flags: readonly string[];
  /** Packages to build; one binary each, named after the package's last element. */
  readonly packages: readonly string[];
  /** The binaries the build leaves (file names). */
  readonly outputs: readonly string[];
  /** Hash only go.mod and go.sum (for tools that do not depend on this repository's Go code). */
  readonly modulesOnly?: boolean;
  /** Folders of the module whose sources do not go into this build (not hashed). */
  readonly excludeDirs?: readonly string[];
  /** Appended to the hint when a build fails. */
  readonly failureHint?: string;
}

export interface GoBuildOptions {
  /** Directory that holds cached builds, e.g. ~/.cache/tide. */
  readonly cacheDir: string;
  /** The Go command; `go` on PATH by default. */
  readonly goCommand?: string;
  /** Receives build progress lines. */
  readonly onProgress?: (line: string) => void;
}

export interface GoBuildResult {
  /** The folder that holds the binaries. */
  readonly dir: string;
  /** Binary name → absolute path. */
  readonly paths: Readonly<Record<string, string>>;
  /** True when this call compiled. */
  readonly built: boolean;
  readonly buildSeconds?: number;
}

/** The minimum Go release that can build the pinned Kubernetes modules. */
export const minimumGo = [1, 26] as const;
/** How many cached builds to keep besides the current one. */
const keepBuilds = 2;

export class ToolchainError extends Error {
  override readonly name = 'ToolchainError';
}

export class BuildError extends Error {
  override readonly name = 'BuildError';
}

/** Returns the cached build for the current sources, building it when missing. */
export async function ensureGoBuild(spec: GoBuildSpec, opts: GoBuildOptions): Promise<GoBuildResult> {
  const go = opts.goCommand ?? 'go';
  const toolchain = await goToolchain(go, spec.label);
  const recipe = `${toolchain} ${spec.flags.join(' ')} ${spec.packages.join(' ')}`;
  const hash = await sourceHash(spec.moduleDir, recipe, spec.modulesOnly === true, spec.excludeDirs);
  const root = path.join(opts.cacheDir, spec.name);
  const dir = path.join(root, hash);
  const paths = Object.fromEntries(spec.outputs.map((o) => [o, path.join(dir, o)]));
  if (spec.outputs.every((o) => existsSync(path.join(dir, o)))) return { dir, paths, built: false };

  await mkdir(root, { recursive: true });
  // Concurrent builders each write their own folder; the rename is atomic.
  const tmp = `${dir}.${process.pid}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const started = performance.now();
  opts.onProgress?.(`building ${spec.label} from ${spec.moduleDir} (a first build takes several minutes)`);
  const out =
    spec.packages.length === 1 && spec.outputs.length === 1
      ? path.join(tmp, spec.outputs[0] ?? '')
      : `${tmp}/`;
  try {
    await runGoBuild(go, spec, ['build', ...spec.flags, '-o', out, ...spec.packages], opts.onProgress);
    const missing = spec.outputs.filter((o) => !existsSync(path.join(tmp, o)));
    if (missing.length > 0)
      throw new BuildError(`building ${spec.label} left no ${missing.join(', ')} in ${tmp}`);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  await pruneOldBuilds(root, hash);
  return { dir, paths, built: true, buildSeconds: (performance.now() - started) / 1000 };
}

/** Hashes everything that determines the build: Go sources, module files, toolchain and recipe. */
export async function sourceHash(
  moduleDir: string,
  recipe: string,
  modulesOnly = false,
  excludeDirs: readonly string[] = [],
): Promise<string> {
  const files = modulesOnly
    ? ['go.mod', 'go.sum'].filter((f) => existsSync(path.join(moduleDir, f)))
    : await listSources(moduleDir, excludeDirs);
  const h = createHash('sha256');
  h.update(`recipe ${recipe}\n`);
  for (const rel of files) {
    h.update(`file ${rel}\n`);
    h.update(await readFile(path.join(moduleDir, rel)));
    h.update('\n');
  }
  return h.digest('hex').slice(0, 20);
}

async function listSources(moduleDir: string, excludeDirs: readonly string[]): Promise<string[]> {
  const entries = await readdir(moduleDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && (e.name.endsWith('.go') || e.name === 'go.mod' || e.name === 'go.sum'))
    .map((e) => path.relative(moduleDir, path.join(e.parentPath, e.name)))
    .filter((rel) => !rel.split(path.sep).includes('testdata') && !rel.endsWith('_test.go'))
    .filter((rel) => !excludeDirs.some((dir) => rel.startsWith(dir + path.sep)))
    .sort();
}

/** Returns `go env` facts after checking the release is new enough. */
async function goToolchain(go: string, label: string): Promise<string> {
  let out: string;
  try {
    out = (await capture(go, ['env', 'GOVERSION', 'GOOS', 'GOARCH'])).trim();
  } catch (err) {
    if (isErrnoException(err) && err.code === 'ENOENT') {
      throw new ToolchainError(
        `the Go toolchain is missing: '${go}' was not found on PATH. ` +
          `Install Go ${minimumGo.join('.')} or newer (Debian: apt-get install golang, or the release from go.dev) and retry.`,
        { cause: err },
      );
    }
    throw new ToolchainError(`running '${go} env' failed: ${String(err)}`, { cause: err });
  }
  const match = /^go(\d+)\.(\d+)/.exec(out);
  if (match === null) throw new ToolchainError(`cannot read the Go version from '${go} env': ${out}`);
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major < minimumGo[0] || (major === minimumGo[0] && minor < minimumGo[1])) {
    throw new ToolchainError(
      `Go ${minimumGo.join('.')} or newer is needed to build ${label}; found ${out.split('\n')[0] ?? out}. ` +
        'Install a newer Go and retry.',
    );
  }
  return out.replace(/\s+/g, ' ');
}

async function runGoBuild(
  go: string,
  spec: GoBuildSpec,
  args: readonly string[],
  onProgress?: (line: string) => void,
): Promise<void> {
  const tail: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(go, args, { cwd: spec.moduleDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        onProgress?.(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (status) => {
      resolve(status ?? 1);
    });
  });
  if (code !== 0) {
    throw new BuildError(
      `building ${spec.label} failed: '${go} ${args.join(' ')}' in ${spec.moduleDir} exited with ${code}.\n` +
        `Last output:\n${tail.join('\n')}\n` +
        `Check that the Go module proxy is reachable (GOPROXY) and that the toolchain matches ${path.basename(spec.moduleDir)}/go.mod.` +
        (spec.failureHint === undefined ? '' : ` ${spec.failureHint}`),
    );
  }
}

async function pruneOldBuilds(root: string, current: string): Promise<void> {
  const dirs = await readdir(root, { withFileTypes: true });
  const others = await Promise.all(
    dirs
      .filter((d) => d.isDirectory() && d.name !== current && !d.name.endsWith('.tmp'))
      .map(async (d) => ({
        dir: path.join(root, d.name),
        mtime: (await stat(path.join(root, d.name))).mtimeMs,
      })),
  );
  others.sort((a, b) => b.mtime - a.mtime);
  await Promise.all(others.slice(keepBuilds).map((o) => rm(o.dir, { recursive: true, force: true })));
}

function capture(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? 'a signal'}: ${err.trim()}`));
    });
  });
}

export function isErrnoException(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && 'code' in err;
}

/** Locates a Go module folder of this repository by walking up from `from`. */
export function findRepoModule(name: string, from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, name);
    if (existsSync(path.join(candidate, 'go.mod'))) return candidate;
    if (path.dirname(dir) === dir) {
      throw new BuildError(`cannot find the ${name} Go module (${name}/go.mod) above ${from}`);
    }
  }
}
