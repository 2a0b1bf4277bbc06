import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goDuration } from './go-duration.js';
import { parseLabels } from './names.js';
import { parseKindRef } from './object-ref.js';
import { reconcileToken } from './reconcile-request.js';

describe('goDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [500, '500ms'],
    [1500, '1.5s'],
    [30_000, '30s'],
    [60_000, '1m0s'],
    [90_000, '1m30s'],
    [600_000, '10m0s'],
    [3_600_000, '1h0m0s'],
    [5_430_000, '1h30m30s'],
  ];
  for (const [ms, want] of cases)
    it(`${ms} ms → ${want}`, () => {
      assert.equal(goDuration(ms), want);
    });
});

describe('parseKindRef', () => {
  const kinds = ['GitRepository', 'OCIRepository', 'Bucket'];
  it('defaults the kind and splits the namespace at the last dot', () => {
    assert.deepEqual(parseKindRef('podinfo', { flag: '--source', kinds, defaultKind: 'GitRepository' }), {
      kind: 'GitRepository',
      name: 'podinfo',
    });
    assert.deepEqual(parseKindRef('ocirepository/my.app.team-a', { flag: '--source', kinds }), {
      kind: 'OCIRepository',
      name: 'my.app',
      namespace: 'team-a',
    });
  });

  it('suggests the kind meant and names the flag', () => {
    assert.throws(
      () => parseKindRef('GitRepositry/podinfo', { flag: '--source', kinds }),
      /--source 'GitRepositry\/podinfo': unknown kind 'GitRepositry'.*did you mean GitRepository/,
    );
    assert.throws(
      () =>
        parseKindRef('Deployment/web', {
          flag: '--health-check',
          kinds: ['Deployment'],
          requireNamespace: true,
        }),
      /--health-check 'Deployment\/web' must be in the format '<kind>\/<name>.<namespace>'/,
    );
  });
});

describe('parseLabels', () => {
  it('takes repeated and comma-separated key=value pairs', () => {
    assert.deepEqual(parseLabels(['a=1,example.com/b=two', 'c=']), { a: '1', 'example.com/b': 'two', c: '' });
  });
  it('refuses malformed labels, naming the flag', () => {
    assert.throws(() => parseLabels(['novalue']), /--label 'novalue' must be in the form key=value/);
    assert.throws(() => parseLabels(['bad key=1']), /not a valid label key/);
    assert.throws(() => parseLabels(['k=white space']), /not a valid label value/);
  });
});

describe('reconcileToken', () => {
  it("is RFC 3339 with the fraction's trailing zeros trimmed, like Go's RFC3339Nano", () => {
    assert.equal(reconcileToken(new Date('2026-01-10T12:00:00.120Z')), '2026-01-10T12:00:00.12Z');
    assert.equal(reconcileToken(new Date('2026-01-10T12:00:10.000Z')), '2026-01-10T12:00:10Z');
  });
});
