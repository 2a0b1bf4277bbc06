// What a remote has (one `git ls-remote`: a single ls-refs request, no fetch) and which commit a
// GitRepository ref means there. Comparing the resolved revision with the last artifact's lets a
// controller skip an unchanged poll without fetching anything.
import type { GitRepositoryRef } from '../api/source/gitrepository.js';
import { GitInvalidInputError, GitNotFoundError } from './errors.js';
import { highestMatchingTag, parseConstraint } from './semver-tags.js';
import { withGitSession } from './session.js';
import type { GitAuth, ProxyConfig, RemoteRef, RemoteRefs, ResolvedRef } from './types.js';

export const DEFAULT_BRANCH = 'master';

export interface ListRemoteRefsOptions {
  url: string;
  auth: GitAuth;
  proxy?: ProxyConfig;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Parent of the per-operation temp dir; the OS temp dir by default. */
  tempDir?: string;
}

/** Lists the remote's refs (peeled tags, HEAD symref) with protocol v2 `ls-refs`. */
export async function listRemoteRefs(options: ListRemoteRefsOptions): Promise<RemoteRefs> {
  return withGitSession(options, async (session) => {
    const stdout = await session.git(['ls-remote', '--symref', '--', session.url]);
    return parseLsRemote(session.url, stdout.toString('utf8'));
  });
}

/** Parses `git ls-remote --symref` output. */
export function parseLsRemote(url: string, output: string): RemoteRefs {
  const refs = new Map<string, RemoteRef>();
  const peeled = new Map<string, string>();
  let headTarget: string | undefined;
  for (const line of output.split('\n')) {
    if (line === '') continue;
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const left = line.slice(0, tab);
    const name = line.slice(tab + 1);
    if (left.startsWith('ref: ')) {
      if (name === 'HEAD') headTarget = left.slice('ref: '.length);
      continue;
    }
    if (!isObjectId(left)) continue;
    if (name.endsWith('^{}')) peeled.set(name.slice(0, -3), left);
    else if (name.startsWith('refs/')) refs.set(name, { name, oid: left });
  }
  for (const [name, commit] of peeled) {
    const ref = refs.get(name);
    if (ref !== undefined) ref.peeled = commit;
  }
  return headTarget === undefined ? { url, refs } : { url, headTarget, refs };
}

/**
 * Resolves a GitRepository ref with Flux's precedence (commit > name > semver > tag > branch;
 * `master` when nothing is set) and revision format. A commit ref must be a full SHA, which needs
 * no lookup; with a branch, the branch must exist.
 */
export function resolveRef(remote: RemoteRefs, ref: GitRepositoryRef | undefined): ResolvedRef {
  const notFound = (detail: string): GitNotFoundError =>
    new GitNotFoundError(detail, { operation: 'resolve ref', url: remote.url });
  const lookup = (refName: string): RemoteRef => {
    const found = remote.refs.get(refName);
    if (found === undefined) throw notFound(`couldn't find remote ref ${refName}`);
    return found;
  };
  const commit = nonEmpty(ref?.commit);
  if (commit !== undefined) {
    const sha = assertFullSha(commit, remote.url);
    const branch = nonEmpty(ref?.branch);
    if (branch === undefined) return { kind: 'commit', commit: sha, revision: shaRevision(sha) };
    const refName = `refs/heads/${assertRefName(branch, 'branch', remote.url)}`;
    lookup(refName);
    return { kind: 'commit', refName, commit: sha, revision: `${branch}@${shaRevision(sha)}` };
  }
  const name = nonEmpty(ref?.name);
  if (name !== undefined) {
    if (!name.startsWith('refs/')) {
      throw new GitInvalidInputError(`ref name ${JSON.stringify(name)} must be a full ref (refs/…)`, {
        operation: 'resolve ref',
        url: remote.url,
      });
    }
    return fromRef('name', lookup(assertRefName(name, 'ref', remote.url)), name);
  }
  const range = nonEmpty(ref?.semver);
  if (range !== undefined) {
    const constraint = parseConstraint(range);
    if (constraint === undefined) {
      throw new GitInvalidInputError(`invalid semver range ${JSON.stringify(range)}`, {
        operation: 'resolve ref',
        url: remote.url,
      });
    }
    const tags = [...remote.refs.keys()]
      .filter((r) => r.startsWith('refs/tags/'))
      .map((r) => r.slice('refs/tags/'.length));
    const tag = highestMatchingTag(tags, constraint);
    if (tag === undefined) throw notFound(`no tag matches semver range ${JSON.stringify(range)}`);
    return fromRef('semver', lookup(`refs/tags/${tag}`), tag);
  }
  const tag = nonEmpty(ref?.tag);
  if (tag !== undefined) {
    return fromRef('tag', lookup(`refs/tags/${assertRefName(tag, 'tag', remote.url)}`), tag);
  }
  const branch = nonEmpty(ref?.branch) ?? DEFAULT_BRANCH;
  return fromRef('branch', lookup(`refs/heads/${assertRefName(branch, 'branch', remote.url)}`), branch);
}

function fromRef(kind: ResolvedRef['kind'], ref: RemoteRef, label: string): ResolvedRef {
  const commit = ref.peeled ?? ref.oid;
  const resolved: ResolvedRef = {
    kind,
    refName: ref.name,
    commit,
    revision: `${label}@${shaRevision(commit)}`,
  };
  if (ref.peeled !== undefined) resolved.tagObject = ref.oid;
  return resolved;
}

/** `sha1:<hex>` or, for SHA-256 repositories, `sha256:<hex>`. */
export function shaRevision(sha: string): string {
  return `${sha.length === 64 ? 'sha256' : 'sha1'}:${sha}`;
}

export function isObjectId(text: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(text);
}

function assertFullSha(commit: string, url: string): string {
  const sha = commit.toLowerCase();
  if (!isObjectId(sha)) {
    throw new GitInvalidInputError(`commit ${JSON.stringify(commit)} is not a full 40- or 64-hex SHA`, {
      operation: 'resolve ref',
      url,
    });
  }
  return sha;
}

/**
 * Refuses names git would reject or that could be mistaken for options or refspec syntax
 * (git check-ref-format rules, plus no leading dash).
 */
export function assertRefName(name: string, what: string, url?: string): string {
  const invalid =
    name === '' ||
    name.startsWith('-') ||
    name.startsWith('/') ||
    name.endsWith('/') ||
    name.endsWith('.') ||
    name.endsWith('.lock') ||
    name.includes('..') ||
    name.includes('@{') ||
    name.includes('//') ||
    name === '@' ||
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    /[\u0000-\u0020\u007f~^:?*[\\]/.test(name) ||
    name.split('/').some((part) => part.startsWith('.'));
  if (invalid) {
    throw new GitInvalidInputError(`invalid ${what} name ${JSON.stringify(name)}`, {
      operation: 'resolve ref',
      url,
    });
  }
  return name;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
