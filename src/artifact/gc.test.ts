import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectGarbage, type GcCandidate } from './gc.js';

const now = 1_000_000_000;
const file = (name: string, ageMs: number): GcCandidate => ({ name, mtimeMs: now - ageMs, kind: 'file' });

describe('selectGarbage', () => {
  const cases: { name: string; entries: GcCandidate[]; current: string; records?: number; want: string[] }[] =
    [
      { name: 'nothing to do', entries: [file('a', 10)], current: 'a', want: [] },
      {
        name: 'expired non-current files go',
        entries: [file('a', 10), file('b', 70_000)],
        current: 'a',
        want: ['b'],
      },
      { name: 'an expired current artifact stays', entries: [file('a', 70_000)], current: 'a', want: [] },
      {
        name: 'keeps the newest N, oldest removed first',
        entries: [file('a', 40), file('b', 30), file('c', 20), file('d', 10)],
        current: 'd',
        want: ['a', 'b'],
      },
      {
        name: 'the current artifact counts among the N kept',
        entries: [file('a', 40), file('b', 30), file('c', 20)],
        current: 'a',
        want: ['b'],
      },
      {
        name: 'TTL and records combine',
        entries: [file('a', 600_000), file('b', 120_000), file('c', 30), file('d', 20), file('e', 10)],
        current: 'a',
        want: ['b', 'c', 'd'],
      },
      {
        name: 'symlinks, locks and directories are never garbage nor counted',
        entries: [
          file('a', 20),
          file('b', 10),
          { name: 'latest.tar.gz', mtimeMs: 0, kind: 'symlink' },
          { name: 'a.lock', mtimeMs: 0, kind: 'file' },
          { name: 'sub', mtimeMs: 0, kind: 'other' },
        ],
        current: 'b',
        want: [],
      },
      {
        name: 'expired temp files go and do not count as records',
        entries: [file('.tmp-1-a', 70_000), file('.tmp-2-b', 10), file('a', 20), file('b', 10)],
        current: 'b',
        want: ['.tmp-1-a'],
      },
      {
        name: 'records=1 keeps only the current',
        entries: [file('a', 10), file('b', 5)],
        current: 'a',
        records: 1,
        want: ['b'],
      },
    ];
  for (const c of cases) {
    it(c.name, () => {
      const got = selectGarbage(c.entries, {
        current: c.current,
        nowMs: now,
        ttlMs: 60_000,
        records: c.records ?? 2,
      });
      assert.deepEqual(got.sort(), c.want);
    });
  }
});
