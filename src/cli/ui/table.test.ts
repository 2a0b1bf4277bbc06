import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAge, formatTable } from './table.js';

describe('formatTable', () => {
  it('aligns columns three spaces apart without trailing spaces', () => {
    assert.deepEqual(
      formatTable(
        ['name', 'ready', 'message'],
        [
          ['podinfo', 'True', 'Applied revision: main@sha1:abc'],
          ['a', 'False', ''],
        ],
      ),
      ['NAME      READY   MESSAGE', 'podinfo   True    Applied revision: main@sha1:abc', 'a         False'],
    );
  });

  it('drops the header line on request', () => {
    assert.deepEqual(formatTable(['name'], [['x']], { noHeader: true }), ['x']);
  });
});

describe('formatAge', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');
  const ago = (s: number): string => new Date(now - s * 1000).toISOString();
  it('follows kubectl', () => {
    assert.equal(formatAge(ago(45), now), '45s');
    assert.equal(formatAge(ago(119), now), '119s');
    assert.equal(formatAge(ago(5 * 60 + 3), now), '5m3s');
    assert.equal(formatAge(ago(42 * 60), now), '42m');
    assert.equal(formatAge(ago(3 * 3600 + 12 * 60), now), '3h12m');
    assert.equal(formatAge(ago(30 * 3600), now), '30h');
    assert.equal(formatAge(ago(2 * 86400 + 4 * 3600), now), '2d4h');
    assert.equal(formatAge(ago(90 * 86400), now), '90d');
    assert.equal(formatAge(undefined, now), '<unknown>');
  });
});
