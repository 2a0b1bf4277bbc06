import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffLines, unifiedDiff, type Edit } from './unified-diff.js';

/** Length of a longest common subsequence, by dynamic programming (the reference). */
function lcs(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j] ?? 0;
      row[j] = x === b[j - 1] ? diag + 1 : Math.max(up, row[j - 1] ?? 0);
      diag = up;
    }
  }
  return row[b.length] ?? 0;
}

function sides(edits: readonly Edit[]): { a: string[]; b: string[] } {
  return {
    a: edits.filter((e) => e.op !== '+').map((e) => e.line),
    b: edits.filter((e) => e.op !== '-').map((e) => e.line),
  };
}

/** A deterministic pseudo-random sequence (so a failure can be replayed). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('diffLines', () => {
  it('gives a minimal edit script that turns a into b (checked against LCS on random inputs)', () => {
    const rnd = random(7);
    for (let round = 0; round < 300; round++) {
      const alphabet = 1 + Math.floor(rnd() * 5);
      const line = (): string => `l${Math.floor(rnd() * alphabet)}`;
      const a = Array.from({ length: Math.floor(rnd() * 15) }, line);
      const b = Array.from({ length: Math.floor(rnd() * 15) }, line);
      const edits = diffLines(a, b);
      assert.deepEqual(sides(edits), { a, b }, `round ${round}: the script reproduces both sides`);
      const kept = edits.filter((e) => e.op === ' ').length;
      assert.equal(
        kept,
        lcs(a, b),
        `round ${round}: ${JSON.stringify({ a, b })} keeps a longest common subsequence`,
      );
    }
  });
});

describe('unifiedDiff', () => {
  it('prints the hunks `diff -u` prints: three lines of context, close changes merged', () => {
    const from = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n'].join('\n') + '\n';
    const to = from.replace('b\n', 'B\n').replace('d\n', '').replace('m\n', 'm\nM2\n');
    assert.equal(
      unifiedDiff(from, to, { fromLabel: 'live', toLabel: 'local' }),
      [
        '--- live',
        '+++ local',
        '@@ -1,7 +1,6 @@',
        ' a',
        '-b',
        '+B',
        ' c',
        '-d',
        ' e',
        ' f',
        ' g',
        '@@ -11,4 +10,5 @@',
        ' k',
        ' l',
        ' m',
        '+M2',
        ' n',
        '',
      ].join('\n'),
    );
  });

  it('is empty for equal texts and names the line before an empty range', () => {
    assert.equal(unifiedDiff('x\n', 'x\n', { fromLabel: 'a', toLabel: 'b' }), '');
    assert.equal(
      unifiedDiff('', 'new\n', { fromLabel: 'a', toLabel: 'b' }),
      '--- a\n+++ b\n@@ -0,0 +1 @@\n+new\n',
    );
  });
});
