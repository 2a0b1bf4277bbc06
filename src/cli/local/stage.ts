// A local checkout made to look like the artifact the controller builds: the tree of
// the source root copied into a temp dir with source-controller's exclusions (Flux's
// defaults, every .sourceignore) and --ignore-paths applied, symlinks and special
// files skipped as the archiver skips them. The renderer then reads the copy only, so
// a local build sees exactly the files an artifact of the same commit would hold.
import { constants } from 'node:fs';
import { copyFile, mkdir, mkdtemp, opendir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ignore from 'ignore';
import { loadIgnoreRules, scopePatterns } from '../../artifact/ignore.js';
import { CliError } from '../context.js';

/** Bounds on what a local build copies: a wrong --path at / must not copy the disk. */
const MAX_FILES = 100_000;
const MAX_BYTES = 1024 * 1024 * 1024;

type Excluded = (rel: string, isDir: boolean) => boolean;

export interface StagedSource {
  /** The local directory the copy was made from. */
  readonly sourceRoot: string;
  /** The copy: the renderer's confinement root. */
  readonly root: string;
  readonly excluded: Excluded;
}

/** Copies of local sources, made once per source root and removed together. */
export class StagedSources {
  readonly #staged = new Map<string, Promise<StagedSource>>();

  /** `ignore`: more patterns (gitignore syntax, relative to its root) for one source root. */
  constructor(private readonly ignore: { readonly root: string; readonly patterns: readonly string[] }) {}

  /** The copy of `sourceRoot` and where `dir` (inside it) is in the copy, as a relative path. */
  async locate(sourceRoot: string, dir: string, flag: string): Promise<{ root: string; path: string }> {
    const info = await stat(dir).catch(() => undefined);
    if (info?.isDirectory() !== true) {
      throw new CliError(`${flag} ${dir}: no such directory; give the local folder that matches spec.path`);
    }
    const rel = path.relative(sourceRoot, dir);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new CliError(`${flag} ${dir} is outside the source root ${sourceRoot}`);
    }
    const staged = await this.#stage(sourceRoot);
    const relPosix = rel.split(path.sep).join('/');
    if (relPosix !== '' && staged.excluded(relPosix, true)) {
      throw new CliError(
        `${flag} ${dir} is excluded by the ignore rules (.sourceignore, Flux's defaults or --ignore-paths): ` +
          'the controller would not see it either',
      );
    }
    return { root: staged.root, path: relPosix };
  }

  async #stage(sourceRoot: string): Promise<StagedSource> {
    let staged = this.#staged.get(sourceRoot);
    if (staged === undefined) {
      staged = stageSource(sourceRoot, sourceRoot === this.ignore.root ? this.ignore.patterns : []);
      this.#staged.set(sourceRoot, staged);
    }
    return staged;
  }

  async remove(): Promise<void> {
    const all = await Promise.allSettled(this.#staged.values());
    this.#staged.clear();
    for (const s of all)
      if (s.status === 'fulfilled') await rm(s.value.root, { recursive: true, force: true });
  }
}

async function stageSource(sourceRoot: string, ignorePaths: readonly string[]): Promise<StagedSource> {
  const excluded = await exclusions(sourceRoot, ignorePaths);
  const root = await mkdtemp(path.join(os.tmpdir(), 'tide-local-'));
  try {
    await copyTree(sourceRoot, root, excluded);
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  return { sourceRoot, root, excluded };
}

/**
 * Where the source of a Kustomization starts, seen from its local --path: the folder
 * above it that spec.path leads down from (the artifact root), else the enclosing git
 * work tree, else the working directory when it holds dir, else dir itself.
 */
export async function findSourceRoot(dir: string, specPath: string, cwd: string): Promise<string> {
  const parts = specPath.split('/').filter((p) => p !== '' && p !== '.');
  if (!parts.includes('..')) {
    const tail = parts.join(path.sep);
    if (tail === '') return dir;
    if (dir.endsWith(path.sep + tail)) return dir.slice(0, dir.length - tail.length - 1) || path.sep;
  }
  for (let at = dir; ;) {
    if ((await stat(path.join(at, '.git')).catch(() => undefined)) !== undefined) return at;
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  const fromCwd = path.relative(cwd, dir);
  return fromCwd.startsWith('..') || path.isAbsolute(fromCwd) ? dir : cwd;
}

async function exclusions(root: string, ignorePaths: readonly string[]): Promise<Excluded> {
  const sourceRules = await loadIgnoreRules(root, {});
  const extra = ignore({ ignorecase: false }).add([...ignorePaths]);
  return (rel, isDir) => sourceRules(rel, isDir) || extra.ignores(isDir ? `${rel}/` : rel);
}

async function copyTree(from: string, to: string, excluded: Excluded): Promise<void> {
  const budget = { files: 0, bytes: 0 };
  const walk = async (absDir: string, rel: string): Promise<void> => {
    for await (const d of await opendir(absDir)) {
      if (!d.isDirectory() && !d.isFile()) continue;
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      if (excluded(childRel, d.isDirectory())) continue;
      const src = path.join(absDir, d.name);
      const dst = path.join(to, ...childRel.split('/'));
      if (d.isDirectory()) {
        await mkdir(dst, { recursive: true });
        await walk(src, childRel);
        continue;
      }
      budget.files++;
      budget.bytes += (await stat(src)).size;
      if (budget.files > MAX_FILES || budget.bytes > MAX_BYTES) {
        throw new CliError(
          `${from} holds more than ${MAX_FILES} files or ${MAX_BYTES / 1024 / 1024} MiB: ` +
            'exclude what the build does not need with --ignore-paths or a .sourceignore',
        );
      }
      await copyFile(src, dst, constants.COPYFILE_FICLONE);
    }
  };
  await walk(from, '');
}

/** --ignore-paths patterns, written relative to the --path folder, made relative to its source root. */
export function ignorePathsFor(sourceRoot: string, dir: string, patterns: readonly string[]): string[] {
  const domain = path.relative(sourceRoot, dir).split(path.sep).join('/');
  return scopePatterns(patterns, domain);
}
