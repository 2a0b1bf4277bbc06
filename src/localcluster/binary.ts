// Finds or builds the localcluster Go binary. The binary is cached under a
// name derived from a hash of its sources and the Go toolchain, so an
// up-to-date binary is used without invoking Go at all, and a fresh clone on
// a machine that built the same sources before reuses it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** The minimum Go release that can build the pinned Kubernetes modules. */
const minimumGo = [1, 26] as const;
/** How many cached builds to keep besides the current one. */
const keepBuilds = 2;

export class ToolchainError extends Error {
  override readonly name = 'ToolchainError';
}

export class BuildError extends Error {
  override readonly name = 'BuildError';
}

/** Locates the localcluster Go module by walking up from this file. */
export function findModuleDir(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'localcluster');
    if (existsSync(path.join(candidate, 'go.mod'))) return candidate;
    if (path.dirname(dir) === dir) {
      throw new BuildError(`cannot find the localcluster Go module (localcluster/go.mod) above ${from}`);
    }
  }
}

/** Returns the cached binary for the current sources, building it when missing. */
export async function ensureBinary(opts: BinaryOptions): Promise<BinaryResult> {
  const moduleDir = opts.moduleDir ?? findModuleDir();
  const go = opts.goCommand ?? 'go';
  const toolchain = await goToolchain(go);
  const args = buildArgs(await readFile(path.join(moduleDir, 'go.mod'), 'utf8'));
  const hash = await sourceHash(moduleDir, `${toolchain} ${args.join(' ')}`);
  const root = path.join(opts.cacheDir, 'localcluster');
  const target = path.join(root, hash, 'localcluster');
  if (existsSync(target)) return { path: target, built: false };

  await mkdir(path.dirname(target), { recursive: true });
  // Concurrent builders each write their own file; the rename is atomic.
  const tmp = `${target}.${process.pid}.tmp`;
  const started = performance.now();
  opts.onProgress?.(`building the local cluster from ${moduleDir} (first run takes several minutes)`);
  await runGoBuild(go, moduleDir, [...args, '-o', tmp, '.'], opts.onProgress);
  await rename(tmp, target);
  await pruneOldBuilds(root, hash);
  return { path: target, built: true, buildSeconds: (performance.now() - started) / 1000 };
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

/** Hashes everything that determines the binary: Go sources, module files, toolchain and recipe. */
export async function sourceHash(moduleDir: string, recipe: string): Promise<string> {
  const files = await listSources(moduleDir);
  const h = createHash('sha256');
  h.update(`recipe ${recipe}\n`);
  for (const rel of files) {
    h.update(`file ${rel}\n`);
    h.update(await readFile(path.join(moduleDir, rel)));
    h.update('\n');
  }
  return h.digest('hex').slice(0, 20);
}

async function listSources(moduleDir: string): Promise<string[]> {
  const entries = await readdir(moduleDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && (e.name.endsWith('.go') || e.name === 'go.mod' || e.name === 'go.sum'))
    .map((e) => path.relative(moduleDir, path.join(e.parentPath, e.name)))
    .sort();
}

/** Returns `go version` output after checking the release is new enough. */
async function goToolchain(go: string): Promise<string> {
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
      `Go ${minimumGo.join('.')} or newer is needed to build the local cluster; found ${out.split('\n')[0] ?? out}. ` +
        'Install a newer Go and retry.',
    );
  }
  return out.replace(/\s+/g, ' ');
}

async function runGoBuild(
  go: string,
  moduleDir: string,
  args: readonly string[],
  onProgress?: (line: string) => void,
): Promise<void> {
  const output = args[args.indexOf('-o') + 1] ?? '';
  const tail: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(go, args, { cwd: moduleDir, stdio: ['ignore', 'pipe', 'pipe'] });
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
    await rm(output, { force: true });
    throw new BuildError(
      `building the local cluster failed: '${go} ${args.join(' ')}' in ${moduleDir} exited with ${code}.\n` +
        `Last output:\n${tail.join('\n')}\n` +
        'Check that the Go module proxy is reachable (GOPROXY) and that the toolchain matches localcluster/go.mod.',
    );
  }
}

async function pruneOldBuilds(root: string, current: string): Promise<void> {
  const dirs = await readdir(root, { withFileTypes: true });
  const others = await Promise.all(
    dirs
      .filter((d) => d.isDirectory() && d.name !== current)
      .map(async (d) => ({ dir: path.join(root, d.name), mtime: (await stat(path.join(root, d.name))).mtimeMs })),
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
