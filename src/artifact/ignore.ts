// Source ignore rules with gitignore semantics, as source-controller applies them:
// Flux's default exclusions (replaced when spec.ignore is set), then every
// .sourceignore in the tree (patterns relative to their own directory, so they can
// overrule the defaults), then spec.ignore. A `.git` directory is always excluded.
import { lstat, opendir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ignore from 'ignore';
import type { IgnoreFn } from './archive.js';

export const SOURCE_IGNORE_FILE = '.sourceignore';

const EXCLUDE_VCS = ['.git/', '.gitignore', '.gitmodules', '.gitattributes'];
const EXCLUDE_EXT = ['*.jpg', '*.jpeg', '*.gif', '*.png', '*.wmv', '*.flv', '*.tar.gz', '*.zip'];
const EXCLUDE_CI = [
  '.github/',
  '.circleci/',
  '.travis.yml',
  '.gitlab-ci.yml',
  'appveyor.yml',
  '.drone.yml',
  'cloudbuild.yaml',
  'codeship-services.yml',
  'codeship-steps.yml',
];
const EXCLUDE_EXTRA = ['.goreleaser.yml', '.sops.yaml', '.flux.yaml'];

/** Flux's default exclusion patterns (source-controller `sourceignore`). */
export const DEFAULT_IGNORE_PATTERNS: readonly string[] = [
  ...EXCLUDE_VCS,
  ...EXCLUDE_EXT,
  ...EXCLUDE_CI,
  ...EXCLUDE_EXTRA,
];

/** Bounds on the .sourceignore walk (a hostile repo must not make it unbounded). */
const MAX_DIRS_WALKED = 100_000;
const MAX_IGNORE_FILE_BYTES = 1024 * 1024;

export async function loadIgnoreRules(root: string, spec: { ignore?: string }): Promise<IgnoreFn> {
  const matcher = ignore({ ignorecase: false });
  matcher.add(spec.ignore === undefined ? [...DEFAULT_IGNORE_PATTERNS] : ['.git/']);
  for (const file of await findIgnoreFiles(root)) {
    const domain = path.relative(root, path.dirname(file)).split(path.sep).join('/');
    const text = await readFile(file, 'utf8');
    matcher.add(scopePatterns(splitLines(text), domain));
  }
  if (spec.ignore !== undefined) matcher.add(splitLines(spec.ignore));
  return (relPath: string, isDir: boolean): boolean => {
    const rel = normalize(relPath);
    if (rel === '') return false;
    if (rel.split('/').some((part, i, all) => part === '.git' && (isDir || i < all.length - 1))) return true;
    return matcher.ignores(isDir ? `${rel}/` : rel);
  };
}

/** Rewrites patterns of a .sourceignore in `domain` so they match from the root. */
export function scopePatterns(lines: readonly string[], domain: string): string[] {
  if (domain === '') return [...lines];
  const scope = domain.replace(/[*?[\]\\!#]/g, '\\$&');
  const out: string[] = [];
  for (const raw of lines) {
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const negated = raw.startsWith('!');
    const body = negated ? raw.slice(1) : raw;
    // gitignore: a slash anywhere but the end anchors the pattern to its directory.
    const anchored = body.replace(/\/+$/, '').includes('/');
    let scoped: string;
    if (anchored) scoped = `/${scope}/${body.replace(/^\/+/, '')}`;
    else scoped = `/${scope}/**/${body}`;
    out.push((negated ? '!' : '') + scoped);
  }
  return out;
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

function normalize(relPath: string): string {
  return relPath
    .split(/[\\/]+/)
    .filter((p) => p !== '' && p !== '.')
    .join('/');
}

/** .sourceignore files in root and below, shallow first; symlinks are not followed, .git is skipped. */
async function findIgnoreFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  let queue = [root];
  let walked = 0;
  while (queue.length > 0) {
    const next: string[] = [];
    for (const dir of queue) {
      if (++walked > MAX_DIRS_WALKED)
        throw new Error(`more than ${MAX_DIRS_WALKED} directories under ${root}`);
      const names: string[] = [];
      for await (const d of await opendir(dir)) {
        if (d.isDirectory() && d.name !== '.git') names.push(d.name);
        else if (d.isFile() && d.name === SOURCE_IGNORE_FILE) found.push(path.join(dir, d.name));
      }
      names.sort();
      for (const n of names) next.push(path.join(dir, n));
    }
    queue = next;
  }
  for (const f of found) {
    const st = await lstat(f);
    if (st.size > MAX_IGNORE_FILE_BYTES)
      throw new Error(`${f} is larger than ${MAX_IGNORE_FILE_BYTES} bytes`);
  }
  return found.sort(byDepthThenName);
}

function byDepthThenName(a: string, b: string): number {
  const da = a.split(path.sep).length;
  const db = b.split(path.sep).length;
  return da - db || (a < b ? -1 : a > b ? 1 : 0);
}
