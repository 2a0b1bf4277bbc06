import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCacheDir, defaultClusterDir } from './defaults.js';

describe('defaults', () => {
  it('caches under XDG_CACHE_HOME when set, else ~/.cache', () => {
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache' }, '/home/a'), '/x/cache/tide');
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '' }, '/home/a'), '/home/a/.cache/tide');
    assert.equal(defaultCacheDir({}, '/home/a'), '/home/a/.cache/tide');
  });

  it('keeps one default cluster directory per user in the temp dir', () => {
    assert.equal(defaultClusterDir('/tmp', 1000), '/tmp/tide-cluster-1000');
  });
});
