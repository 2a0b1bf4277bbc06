import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExcludeMatcher, GlobSyntaxError, compileGlob, hasGlob, staticPrefix } from './glob.js';

describe('compileGlob', () => {
  const cases: [pattern: string, path: string, matches: boolean][] = [
    ['*.yaml', 'a.yaml', true],
    ['*.yaml', 'dir/a.yaml', false],
    ['*.yaml', '.hidden.yaml', true],
    ['dir/*', 'dir/a', true],
    ['dir/*', 'dir/a/b', false],
    ['dir/**', 'dir', true],
    ['dir/**', 'dir/a/b/c', true],
    ['dir/**', 'dirx/a', false],
    ['**', 'a/b', true],
    ['**/*.yaml', 'a.yaml', true],
    ['**/*.yaml', 'a/b/c.yaml', true],
    ['**/*.yaml', 'a/b/c.yml', false],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'a/x/y/c', false],
    ['**/testdata/**', 'x/testdata', true],
    ['**/testdata/**', 'x/testdata/y.yaml', true],
    ['v?.yaml', 'v1.yaml', true],
    ['v?.yaml', 'v10.yaml', false],
    ['[ab].txt', 'a.txt', true],
    ['[!ab].txt', 'a.txt', false],
    ['[!ab].txt', 'c.txt', true],
    ['[a-c]/x', 'b/x', true],
    ['*.{yaml,yml}', 'a.yml', true],
    ['*.{yaml,yml}', 'a.json', false],
    ['a.b', 'axb', false],
    ['\\*.txt', '*.txt', true],
    ['\\*.txt', 'a.txt', false],
  ];
  for (const [pattern, p, want] of cases) {
    it(`${pattern} ${want ? 'matches' : 'does not match'} ${p}`, () => {
      assert.equal(compileGlob(pattern).test(p), want);
    });
  }

  it('rejects unclosed classes and braces', () => {
    assert.throws(() => compileGlob('a[b'), GlobSyntaxError);
    assert.throws(() => compileGlob('a{b,c'), GlobSyntaxError);
  });
});

describe('staticPrefix and hasGlob', () => {
  const cases: [string, string, boolean][] = [
    ['apps/**', 'apps', true],
    ['apps/base/*.yaml', 'apps/base', true],
    ['*.yaml', '', true],
    ['**/x', '', true],
    ['apps/*/envs/**', 'apps', true],
    ['apps/x.yaml', 'apps', false],
  ];
  for (const [pattern, prefix, glob] of cases) {
    it(pattern, () => {
      assert.equal(staticPrefix(pattern), prefix);
      assert.equal(hasGlob(pattern), glob);
    });
  }
});

describe('ExcludeMatcher', () => {
  it('matches base names at any depth for patterns without a slash', () => {
    const m = new ExcludeMatcher(['*.md']);
    assert.equal(m.excludes(['docs/deep/README.md']), true);
    assert.equal(m.excludes(['docs/deep/README.yaml']), false);
  });

  it('matches paths relative to any of the given roots', () => {
    const m = new ExcludeMatcher(['base/secret.yaml']);
    assert.equal(m.excludes(['apps/base/secret.yaml', 'base/secret.yaml']), true);
    assert.equal(m.excludes(['apps/base/secret.yaml']), false);
  });

  it('excludes nothing without patterns', () => {
    assert.equal(new ExcludeMatcher([]).excludes(['a']), false);
  });
});
