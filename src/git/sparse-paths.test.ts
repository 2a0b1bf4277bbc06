import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GitInvalidInputError } from './errors.js';
import { sparsePattern, validateSparsePaths } from './sparse-paths.js';

describe('validateSparsePaths', () => {
  it('normalizes and de-duplicates', () => {
    assert.deepEqual(validateSparsePaths(['./apps/', 'apps', 'infra//base', 'x/./y']), [
      'apps',
      'infra/base',
      'x/y',
    ]);
  });
  for (const bad of [
    '../../etc',
    '/etc',
    'a/../../b',
    'a/..',
    '..',
    '.',
    './',
    '',
    '.git',
    'a/.git/hooks',
    'a\\b',
    'a\nb',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => validateSparsePaths(['ok', bad]), GitInvalidInputError);
    });
  }
});

describe('sparsePattern', () => {
  it('anchors the directory and escapes glob characters', () => {
    assert.equal(sparsePattern('apps/base'), '/apps/base/');
    assert.equal(sparsePattern('a*b?[c]'), '/a\\*b\\?\\[c\\]/');
  });
});
