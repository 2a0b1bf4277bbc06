import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GitRepositoryRef } from '../api/source/gitrepository.js';
import { GitInvalidInputError, GitNotFoundError } from './errors.js';
import { assertRefName, parseLsRemote, resolveRef } from './remote.js';

const sha = (c: string): string => c.repeat(40);
const URL = 'https://127.0.0.1:1/org/app.git';
const LISTING = [
  `ref: refs/heads/main\tHEAD`,
  `${sha('a')}\tHEAD`,
  `${sha('a')}\trefs/heads/main`,
  `${sha('b')}\trefs/heads/master`,
  `${sha('c')}\trefs/heads/feature/x`,
  `${sha('1')}\trefs/tags/v1.0.0`,
  `${sha('2')}\trefs/tags/v1.2.0`,
  `${sha('3')}\trefs/tags/v1.2.0^{}`,
  `${sha('4')}\trefs/tags/1.3`,
  `${sha('5')}\trefs/tags/v2.0.0-rc.1`,
  `${sha('6')}\trefs/tags/not-a-version`,
  `${sha('7')}\trefs/pull/420/head`,
  '',
].join('\n');
const remote = parseLsRemote(URL, LISTING);

describe('parseLsRemote', () => {
  it('reads refs, peeled tags and the HEAD symref', () => {
    assert.equal(remote.headTarget, 'refs/heads/main');
    assert.equal(remote.refs.size, 9);
    assert.deepEqual(remote.refs.get('refs/tags/v1.2.0'), {
      name: 'refs/tags/v1.2.0',
      oid: sha('2'),
      peeled: sha('3'),
    });
    assert.deepEqual(remote.refs.get('refs/heads/main'), { name: 'refs/heads/main', oid: sha('a') });
  });
});

describe('resolveRef', () => {
  const cases: { name: string; ref: GitRepositoryRef | undefined; want: Record<string, unknown> }[] = [
    {
      name: 'no ref: master',
      ref: undefined,
      want: { kind: 'branch', commit: sha('b'), revision: `master@sha1:${sha('b')}` },
    },
    { name: 'empty ref: master', ref: {}, want: { kind: 'branch', commit: sha('b') } },
    {
      name: 'branch',
      ref: { branch: 'feature/x' },
      want: { kind: 'branch', refName: 'refs/heads/feature/x', revision: `feature/x@sha1:${sha('c')}` },
    },
    {
      name: 'lightweight tag',
      ref: { tag: 'v1.0.0', branch: 'main' },
      want: { kind: 'tag', commit: sha('1'), revision: `v1.0.0@sha1:${sha('1')}` },
    },
    {
      name: 'annotated tag peels to its commit',
      ref: { tag: 'v1.2.0' },
      want: { kind: 'tag', commit: sha('3'), tagObject: sha('2'), revision: `v1.2.0@sha1:${sha('3')}` },
    },
    {
      name: 'semver picks the highest match (1.3 parses as 1.3.0)',
      ref: { semver: '>=1.0.0', tag: 'v1.0.0' },
      want: { kind: 'semver', commit: sha('4'), revision: `1.3@sha1:${sha('4')}` },
    },
    {
      name: 'semver with a comma-separated constraint',
      ref: { semver: '>=1.0.0, <1.3.0' },
      want: { revision: `v1.2.0@sha1:${sha('3')}` },
    },
    { name: 'semver tilde', ref: { semver: '~1.0' }, want: { revision: `v1.0.0@sha1:${sha('1')}` } },
    {
      name: 'prereleases only when the range has one',
      ref: { semver: '>=1.0.0-0' },
      want: { revision: `v2.0.0-rc.1@sha1:${sha('5')}` },
    },
    {
      name: 'name',
      ref: { name: 'refs/pull/420/head', semver: '*' },
      want: { kind: 'name', revision: `refs/pull/420/head@sha1:${sha('7')}` },
    },
    {
      name: 'name of an annotated tag',
      ref: { name: 'refs/tags/v1.2.0' },
      want: { revision: `refs/tags/v1.2.0@sha1:${sha('3')}`, tagObject: sha('2') },
    },
    {
      name: 'commit only',
      ref: { commit: sha('D'), name: 'refs/heads/main' },
      want: { kind: 'commit', commit: sha('d'), revision: `sha1:${sha('d')}` },
    },
    {
      name: 'commit with branch',
      ref: { commit: sha('e'), branch: 'main' },
      want: { kind: 'commit', refName: 'refs/heads/main', revision: `main@sha1:${sha('e')}` },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const resolved = resolveRef(remote, c.ref);
      for (const [key, value] of Object.entries(c.want)) {
        assert.equal(
          (resolved as unknown as Record<string, unknown>)[key],
          value,
          `${key} of ${JSON.stringify(resolved)}`,
        );
      }
    });
  }

  const failures: { name: string; ref: GitRepositoryRef; type: unknown; message: RegExp }[] = [
    {
      name: 'unknown branch',
      ref: { branch: 'nope' },
      type: GitNotFoundError,
      message: /couldn't find remote ref refs\/heads\/nope/,
    },
    {
      name: 'unknown tag',
      ref: { tag: 'v9' },
      type: GitNotFoundError,
      message: /couldn't find remote ref refs\/tags\/v9/,
    },
    {
      name: 'commit with an unknown branch',
      ref: { commit: sha('e'), branch: 'gone' },
      type: GitNotFoundError,
      message: /refs\/heads\/gone/,
    },
    {
      name: 'no semver match',
      ref: { semver: '>=3.0.0' },
      type: GitNotFoundError,
      message: /no tag matches semver range/,
    },
    {
      name: 'invalid semver',
      ref: { semver: 'not a range!' },
      type: GitInvalidInputError,
      message: /invalid semver range/,
    },
    {
      name: 'short commit',
      ref: { commit: 'abc123' },
      type: GitInvalidInputError,
      message: /full 40- or 64-hex/,
    },
    { name: 'relative name', ref: { name: 'main' }, type: GitInvalidInputError, message: /full ref/ },
    {
      name: 'option-like branch',
      ref: { branch: '--upload-pack=evil' },
      type: GitInvalidInputError,
      message: /invalid branch name/,
    },
  ];
  for (const c of failures) {
    it(`fails on ${c.name}`, () => {
      assert.throws(
        () => resolveRef(remote, c.ref),
        (error: unknown) => {
          assert.ok(error instanceof (c.type as typeof Error), `wrong type: ${String(error)}`);
          assert.match(error.message, c.message);
          assert.match(error.message, /127\.0\.0\.1:1\/org\/app\.git/);
          return true;
        },
      );
    });
  }

  it('semver without prerelease skips prerelease tags', () => {
    const r = parseLsRemote(URL, `${sha('1')}\trefs/tags/v1.0.0\n${sha('2')}\trefs/tags/v1.1.0-beta.1\n`);
    assert.equal(resolveRef(r, { semver: '>=1.0.0' }).revision, `v1.0.0@sha1:${sha('1')}`);
  });

  it('uses sha256 in revisions of SHA-256 repositories', () => {
    const long = 'f'.repeat(64);
    const r = parseLsRemote(URL, `${long}\trefs/heads/master\n`);
    assert.equal(resolveRef(r, undefined).revision, `master@sha256:${long}`);
  });
});

describe('assertRefName', () => {
  for (const bad of [
    '',
    '-x',
    'a..b',
    'a b',
    'a:b',
    'a~1',
    'a^',
    'x.lock',
    'a/.hidden',
    '/a',
    'a/',
    'a@{1}',
    'a\\b',
    'a*',
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => assertRefName(bad, 'branch'), GitInvalidInputError);
    });
  }
  for (const good of ['main', 'feature/x', 'v1.2.3', 'release-1.0', 'refs/pull/1/head']) {
    it(`accepts ${good}`, () => {
      assert.equal(assertRefName(good, 'branch'), good);
    });
  }
});
