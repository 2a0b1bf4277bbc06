// Builds one artifact tree by running its copy operations in order, with cp-like
// semantics:
//   file → `to/` or an existing directory: into it; file → `to`: as that file;
//   directory (`dir` or `dir/`) → `to/dir/...`; `@alias/` → the whole source into `to`;
//   glob → every match, placed under `to` by its path below the glob's fixed prefix
//   (`dir/*` and `dir/**` copy the contents of dir, `**/*.yaml` keeps the tree).
// Paths were validated by spec.ts; every write is re-checked to stay under the root.
import { createReadStream, type Dirent } from 'node:fs';
import { copyFile, lstat, mkdir, mkdtemp, opendir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MAX_UNTAR_BYTES, untar } from '../../../artifact/untar.js';
import { ExcludeMatcher, compileGlob, staticPrefix } from './glob.js';
import { mergeYaml } from './merge.js';
import type { ArtifactPlan, CopyPlan, CopyStrategy } from './spec.js';

/** A copy that cannot be done with the current source content (retried on the next change). */
export class BuildError extends Error {
  override readonly name = 'BuildError';
}

export interface BuildContext {
  /** Extracted source artifacts by alias. */
  readonly sources: ReadonlyMap<string, string>;
  /** Private directory for temporary extraction. */
  readonly scratchDir: string;
  readonly maxUntarBytes?: number;
  readonly signal?: AbortSignal | undefined;
}

interface CopyRun {
  readonly plan: CopyPlan;
  readonly srcRoot: string;
  readonly staging: string;
  readonly exclude: ExcludeMatcher;
  readonly ctx: BuildContext;
}

export async function buildTree(artifact: ArtifactPlan, staging: string, ctx: BuildContext): Promise<void> {
  await mkdir(staging, { recursive: true, mode: 0o750 });
  for (const plan of artifact.copies) {
    ctx.signal?.throwIfAborted();
    const srcRoot = ctx.sources.get(plan.alias);
    if (srcRoot === undefined) throw new BuildError(`${plan.field}: source '${plan.alias}' was not fetched`);
    const run: CopyRun = { plan, srcRoot, staging, exclude: new ExcludeMatcher(plan.exclude), ctx };
    try {
      if (plan.glob) await copyGlob(run);
      else await copySingle(run);
    } catch (err) {
      if (err instanceof BuildError || ctx.signal?.aborted === true) throw err;
      throw new BuildError(`${plan.field}.from '${plan.from}': ${describe(err)}`, {
        cause: err,
      });
    }
  }
}

async function copySingle(run: CopyRun): Promise<void> {
  const { plan } = run;
  const fail = (message: string): never => {
    throw new BuildError(message);
  };
  const st = await lstat(join(run.srcRoot, plan.pattern)).catch(() => undefined);
  if (st === undefined) return fail(`'${plan.pattern}' does not exist in source '${plan.alias}'`);
  const name = path.posix.basename(plan.pattern);
  if (st.isDirectory()) {
    if (plan.strategy === 'Extract')
      return fail('the Extract strategy needs a .tgz or .tar.gz file, not a directory');
    await copyDirectory(
      run,
      plan.pattern,
      plan.pattern,
      plan.pattern === '' ? plan.dest : joinRel(plan.dest, name),
    );
    return;
  }
  if (!st.isFile()) return fail(`'${plan.pattern}' is not a regular file`);
  if (run.exclude.excludes([plan.pattern])) return;
  if (plan.strategy === 'Extract') {
    if (!isTarball(name)) return fail('the Extract strategy needs a .tgz or .tar.gz file');
    await extract(run, plan.pattern);
    return;
  }
  const intoDir = plan.destIsDir || (await isDirectory(join(run.staging, plan.dest)));
  await copyOne(run, plan.pattern, intoDir ? joinRel(plan.dest, name) : plan.dest);
}

async function copyGlob(run: CopyRun): Promise<void> {
  const { plan } = run;
  const re = compileGlob(plan.pattern);
  const prefix = staticPrefix(plan.pattern);
  let matched = 0;
  let copied = 0;
  const visit = async (rel: string): Promise<void> => {
    for (const entry of await readSorted(join(run.srcRoot, rel))) {
      run.ctx.signal?.throwIfAborted();
      if (!entry.isDirectory() && !entry.isFile()) continue;
      const childRel = joinRel(rel, entry.name);
      const belowPrefix = relativeTo(prefix, childRel);
      const matches = re.test(childRel);
      if (matches) matched++;
      if (run.exclude.excludes([childRel, belowPrefix])) continue;
      if (plan.strategy === 'Extract') {
        if (entry.isDirectory()) await visit(childRel);
        else if (matches && isTarball(entry.name)) {
          await extract(run, childRel);
          copied++;
        }
        continue;
      }
      if (!matches) {
        if (entry.isDirectory()) await visit(childRel);
        continue;
      }
      copied++;
      const target = joinRel(plan.dest, belowPrefix);
      if (entry.isDirectory()) await copyDirectory(run, childRel, childRel, target);
      else await copyOne(run, childRel, target);
    }
  };
  if (await isDirectory(join(run.srcRoot, prefix))) await visit(prefix);
  if (matched === 0) {
    throw new BuildError(`no files match in source '${plan.alias}'`);
  }
  if (copied === 0 && plan.strategy !== 'Extract') {
    throw new BuildError('every match is excluded');
  }
}

/** Copies the directory srcRel into destRel; excludes apply relative to the root and to baseRel. */
async function copyDirectory(run: CopyRun, srcRel: string, baseRel: string, destRel: string): Promise<void> {
  await mkdirUnder(run.staging, destRel);
  for (const entry of await readSorted(join(run.srcRoot, srcRel))) {
    run.ctx.signal?.throwIfAborted();
    if (!entry.isDirectory() && !entry.isFile()) continue;
    const childRel = joinRel(srcRel, entry.name);
    if (run.exclude.excludes([childRel, relativeTo(baseRel, childRel)])) continue;
    const target = joinRel(destRel, entry.name);
    if (entry.isDirectory()) await copyDirectory(run, childRel, baseRel, target);
    else await copyOne(run, childRel, target);
  }
}

async function copyOne(run: CopyRun, srcRel: string, destRel: string): Promise<void> {
  await copyFileTo(join(run.srcRoot, srcRel), run.staging, destRel, run.plan.strategy, srcRel);
}

async function copyFileTo(
  src: string,
  staging: string,
  destRel: string,
  strategy: CopyStrategy,
  srcName: string,
): Promise<void> {
  if (destRel === '') throw new BuildError(`cannot write '${srcName}' over the artifact root`);
  const dest = join(staging, destRel);
  await mkdirUnder(staging, path.posix.dirname(destRel));
  const existing = await lstat(dest).catch(() => undefined);
  if (existing?.isDirectory() === true)
    throw new BuildError(`cannot overwrite directory '${destRel}' with file '${srcName}'`);
  if (existing !== undefined && !existing.isFile())
    throw new BuildError(`'${destRel}' is not a regular file`);
  if (existing !== undefined && strategy === 'Merge') {
    const merged = mergeYaml(await readFile(dest, 'utf8'), await readFile(src, 'utf8'), {
      base: destRel,
      overlay: srcName,
    });
    await writeFile(dest, merged, { mode: 0o644 });
    return;
  }
  await copyFile(src, dest);
}

/** Extract: unpack into a private directory first (untar never overwrites), then copy over `to`. */
async function extract(run: CopyRun, srcRel: string): Promise<void> {
  const tmp = await mkdtemp(path.join(run.ctx.scratchDir, 'extract-'));
  try {
    await untar(createReadStream(join(run.srcRoot, srcRel)), tmp, {
      maxBytes: run.ctx.maxUntarBytes ?? DEFAULT_MAX_UNTAR_BYTES,
      ...(run.ctx.signal === undefined ? {} : { signal: run.ctx.signal }),
    });
    await mergeTree(tmp, '', run.staging, run.plan.dest, run.ctx.signal);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function mergeTree(
  root: string,
  rel: string,
  staging: string,
  destRel: string,
  signal?: AbortSignal,
): Promise<void> {
  await mkdirUnder(staging, destRel);
  for (const entry of await readSorted(join(root, rel))) {
    signal?.throwIfAborted();
    const childRel = joinRel(rel, entry.name);
    const target = joinRel(destRel, entry.name);
    if (entry.isDirectory()) await mergeTree(root, childRel, staging, target, signal);
    else if (entry.isFile()) await copyFileTo(join(root, childRel), staging, target, 'Overwrite', childRel);
  }
}

async function mkdirUnder(root: string, rel: string): Promise<void> {
  if (rel === '' || rel === '.') return;
  const dir = join(root, rel);
  try {
    await mkdir(dir, { recursive: true, mode: 0o750 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new BuildError(`cannot create directory '${rel}': a file is in the way`);
    }
    throw err;
  }
}

async function readSorted(dir: string): Promise<Dirent[]> {
  const entries: Dirent[] = [];
  for await (const d of await opendir(dir)) entries.push(d);
  return entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
}

async function isDirectory(p: string): Promise<boolean> {
  return (await lstat(p).catch(() => undefined))?.isDirectory() === true;
}

/** root + a validated relative path, re-checked to stay under root. */
function join(root: string, rel: string): string {
  const base = path.resolve(root);
  const joined = path.resolve(base, ...rel.split('/').filter((s) => s !== ''));
  if (joined !== base && !joined.startsWith(base + path.sep))
    throw new BuildError(`path '${rel}' escapes its root`);
  return joined;
}

function joinRel(a: string, b: string): string {
  if (a === '') return b;
  if (b === '') return a;
  return `${a}/${b}`;
}

function relativeTo(base: string, rel: string): string {
  if (base === '') return rel;
  return rel.startsWith(`${base}/`) ? rel.slice(base.length + 1) : rel;
}

function isTarball(name: string): boolean {
  return name.endsWith('.tgz') || name.endsWith('.tar.gz');
}

/** fs errors without the absolute temp paths they carry. */
function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code === 'string' && typeof e.syscall === 'string') return `${e.syscall} failed: ${e.code}`;
  return err instanceof Error ? err.message : String(err);
}
