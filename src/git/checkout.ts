// Checks out one GitRepository ref into a directory: shallow where the ref allows, the whole
// branch when a commit is pinned with a branch, the bare SHA for a commit-only ref (protocol v2
// lets a client want any reachable object), then sparse checkout and submodules if asked.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import type { GitRepositoryRef } from '../api/source/gitrepository.js';
import { GitInvalidInputError, GitNotFoundError } from './errors.js';
import {
  assertRefName,
  DEFAULT_BRANCH,
  isObjectId,
  parseLsRemote,
  resolveRef,
  shaRevision,
} from './remote.js';
import type { GitSession } from './session.js';
import { withGitSession } from './session.js';
import { sparsePattern, validateSparsePaths } from './sparse-paths.js';
import type { GitAuth, ProxyConfig, RefKind } from './types.js';

export interface CheckoutOptions {
  url: string;
  auth: GitAuth;
  proxy?: ProxyConfig;
  ref?: GitRepositoryRef;
  /** Target directory: created if missing, must be empty otherwise. Emptied again on failure. */
  dir: string;
  /** Directories to materialize; the whole tree when absent or empty. */
  sparseCheckout?: readonly string[];
  recurseSubmodules?: boolean;
  /** Budget for the whole checkout (every git command it runs). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Parent of the per-operation temp dir; the OS temp dir by default. */
  tempDir?: string;
}

export interface CheckoutResult {
  kind: RefKind;
  /** Checked-out commit (tags peeled). */
  commit: string;
  /** Flux revision: `main@sha1:…`, `v1.2.0@sha1:…`, `refs/pull/1/head@sha1:…` or `sha1:…`. */
  revision: string;
  /** Annotated tag object id, for tag, semver and tag `name` refs. */
  tagObject?: string;
  /** Local ref holding what was fetched; tags keep their name (refs/tags/<tag>) for verifyTag. */
  localRef?: string;
}

/** What to fetch for a ref, decided before anything runs except (for semver) an ls-remote. */
interface FetchPlan {
  kind: RefKind;
  /** `+<remote ref>:<local ref>` or a bare commit SHA. */
  refspec: string;
  localRef: string | undefined;
  shallow: boolean;
  /** Revision label before `@sha1:`; undefined for a commit-only ref. */
  label: string | undefined;
  /** Commit pinned by the spec, if any. */
  pinned: string | undefined;
}

export async function checkout(options: CheckoutOptions): Promise<CheckoutResult> {
  const sparse = validateSparsePaths(options.sparseCheckout ?? []);
  const dir = resolvePath(options.dir);
  const direct = planWithoutListing(options.ref);
  const created = await prepareDir(dir, options.url);
  try {
    return await withGitSession(options, async (session) => {
      const plan = direct ?? (await planSemver(session, options.ref));
      await session.git(['-C', dir, 'init', '--quiet', '--template=']);
      await session.git(['-C', dir, 'remote', 'add', 'origin', session.url]);
      await fetchPlan(session, dir, plan);
      const result = await resolveCheckedOut(session, dir, plan);
      if (sparse.length > 0) {
        await session.git([
          '-C',
          dir,
          'sparse-checkout',
          'set',
          '--no-cone',
          '--',
          ...sparse.map(sparsePattern),
        ]);
      }
      await session.git(['-C', dir, 'checkout', '--quiet', '--detach', result.commit]);
      if (options.recurseSubmodules === true) {
        await session.git(['-C', dir, 'submodule', 'update', '--init', '--recursive', '--depth=1']);
      }
      return result;
    });
  } catch (error) {
    if (created) await rm(dir, { recursive: true, force: true });
    else await emptyDir(dir);
    throw error;
  }
}

/** The fetch for every ref kind except semver, which needs the tag list first. */
function planWithoutListing(ref: GitRepositoryRef | undefined): FetchPlan | undefined {
  const commit = nonEmpty(ref?.commit);
  const branch = nonEmpty(ref?.branch);
  if (commit !== undefined) {
    // resolveRef validates the SHA and branch without needing the remote for a commit-only ref.
    const sha = commit.toLowerCase();
    if (!isObjectId(sha)) {
      throw new GitInvalidInputError(`commit ${JSON.stringify(commit)} is not a full 40- or 64-hex SHA`, {
        operation: 'checkout',
      });
    }
    if (branch === undefined) {
      return {
        kind: 'commit',
        refspec: sha,
        localRef: undefined,
        shallow: true,
        label: undefined,
        pinned: sha,
      };
    }
    return { ...branchPlan(branch, false), kind: 'commit', pinned: sha };
  }
  const name = nonEmpty(ref?.name);
  if (name !== undefined) {
    if (!name.startsWith('refs/')) {
      throw new GitInvalidInputError(`ref name ${JSON.stringify(name)} must be a full ref (refs/…)`, {
        operation: 'checkout',
      });
    }
    assertRefName(name, 'ref');
    // Fetching into the name itself could hit the current (unborn) branch; heads go to remotes.
    const localRef = name.startsWith('refs/heads/') ? `refs/remotes/origin/${name.slice(11)}` : name;
    return {
      kind: 'name',
      refspec: `+${name}:${localRef}`,
      localRef,
      shallow: true,
      label: name,
      pinned: undefined,
    };
  }
  if (nonEmpty(ref?.semver) !== undefined) return undefined;
  const tag = nonEmpty(ref?.tag);
  if (tag !== undefined) return tagPlan('tag', assertRefName(tag, 'tag'));
  return branchPlan(branch ?? DEFAULT_BRANCH, true);
}

function branchPlan(branch: string, shallow: boolean): FetchPlan {
  assertRefName(branch, 'branch');
  const localRef = `refs/remotes/origin/${branch}`;
  return {
    kind: 'branch',
    refspec: `+refs/heads/${branch}:${localRef}`,
    localRef,
    shallow,
    label: branch,
    pinned: undefined,
  };
}

function tagPlan(kind: 'tag' | 'semver', tag: string): FetchPlan {
  const localRef = `refs/tags/${tag}`;
  return {
    kind,
    refspec: `+${localRef}:${localRef}`,
    localRef,
    shallow: true,
    label: tag,
    pinned: undefined,
  };
}

async function planSemver(session: GitSession, ref: GitRepositoryRef | undefined): Promise<FetchPlan> {
  const listing = await session.git(['ls-remote', '--symref', '--', session.url]);
  const resolved = resolveRef(parseLsRemote(session.url, listing.toString('utf8')), ref);
  return tagPlan('semver', (resolved.refName ?? '').slice('refs/tags/'.length));
}

async function fetchPlan(session: GitSession, dir: string, plan: FetchPlan): Promise<void> {
  const depth = plan.shallow ? ['--depth=1'] : [];
  await session.git([
    '-C',
    dir,
    'fetch',
    '--quiet',
    '--no-tags',
    '--no-write-fetch-head',
    ...depth,
    'origin',
    plan.refspec,
  ]);
}

async function resolveCheckedOut(session: GitSession, dir: string, plan: FetchPlan): Promise<CheckoutResult> {
  const commitOf = async (revision: string): Promise<string | undefined> => {
    const { code, stdout } = await session.probe([
      '-C',
      dir,
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${revision}^{commit}`,
    ]);
    return code === 0 ? stdout.toString('utf8').trim() : undefined;
  };
  if (plan.pinned !== undefined) {
    const commit = await commitOf(plan.pinned);
    if (commit === undefined) {
      const where = plan.label === undefined ? '' : ` in branch ${plan.label}`;
      throw session.error(GitNotFoundError, 'checkout', `commit ${plan.pinned} not found${where}`);
    }
    const revision = plan.label === undefined ? shaRevision(commit) : `${plan.label}@${shaRevision(commit)}`;
    return plan.localRef === undefined
      ? { kind: plan.kind, commit, revision }
      : { kind: plan.kind, commit, revision, localRef: plan.localRef };
  }
  const localRef = plan.localRef ?? 'HEAD';
  const commit = await commitOf(localRef);
  if (commit === undefined) throw session.error(GitNotFoundError, 'checkout', `${localRef} is not a commit`);
  const result: CheckoutResult = {
    kind: plan.kind,
    commit,
    revision: `${plan.label ?? ''}@${shaRevision(commit)}`,
    localRef,
  };
  const object = (await session.git(['-C', dir, 'rev-parse', '--verify', '--end-of-options', localRef]))
    .toString('utf8')
    .trim();
  if (object !== commit) result.tagObject = object;
  return result;
}

/** Creates dir, or checks it is empty; returns whether it was created here. */
async function prepareDir(dir: string, url: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dir, { recursive: true });
    return true;
  }
  if (entries.length > 0) {
    throw new GitInvalidInputError('the checkout directory is not empty', { operation: 'checkout', url });
  }
  return false;
}

async function emptyDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => []);
  await Promise.all(entries.map((entry) => rm(resolvePath(dir, entry), { recursive: true, force: true })));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
