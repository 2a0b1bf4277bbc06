import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../api/object.js';
import { objMetadataOf, subjectOf } from '../../apply/object-id.js';
import { style } from '../ui/style.js';
import { compareObjects, formatOutcome, maskSecretPair } from './object-diff.js';
import { assertGolden } from './testdata/golden.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata', 'diff');

async function objects(file: string): Promise<KubeObject[]> {
  return parseAllDocuments(await readFile(path.join(testdata, file), 'utf8')).map(
    (d) => d.toJS() as KubeObject,
  );
}

const plain = style({ output: { isTTY: false } as never, env: {} });
const secretForms = ['s3cr3t-Pa55', 'admin-user', 'root-admin', 'old-value', 'new-token-value'].flatMap(
  (v) => [v, Buffer.from(v).toString('base64')],
);

describe('diff output', () => {
  it('prints drift as a unified diff of what the user owns, masks Secret values and names changed keys (golden)', async () => {
    const live = await objects('live.yaml');
    const dry = await objects('dry-run.yaml');
    let out = '';
    live.forEach((l, i) => {
      const d = dry[i];
      assert.ok(d !== undefined, 'one dry-run answer per live object');
      out += formatOutcome(compareObjects(subjectOf(objMetadataOf(l)), l, d), plain);
    });
    out += formatOutcome({ action: 'created', subject: 'ConfigMap/apps/new' }, plain);
    out += formatOutcome({ action: 'deleted', subject: 'Service/apps/old' }, plain);
    await assertGolden(path.join(testdata, 'diff.golden.txt'), out);
    assert.doesNotMatch(
      out,
      /ConfigMap\/apps\/settings/,
      'server-only changes (managedFields, resourceVersion) are no drift',
    );
    assert.doesNotMatch(out, /generation|managedFields|resourceVersion|readyReplicas/);
    for (const form of secretForms) assert.ok(!out.includes(form), `${form} is not printed`);
  });

  it('colours on a terminal only', () => {
    const tty = style({ output: { isTTY: true } as never, env: {} });
    const outcome = {
      action: 'drifted' as const,
      subject: 'ConfigMap/a/b',
      diff: '--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n',
    };
    assert.ok(formatOutcome(outcome, tty).includes('\x1b[31m-x\x1b[39m'), 'removed lines in red');
    assert.ok(!formatOutcome(outcome, plain).includes('\x1b'), 'no escape codes off a terminal');
  });

  it('masks equal values as *** and changed ones as before/after, in data and stringData', () => {
    const { before, after, changedKeys } = maskSecretPair(
      { data: { same: 'YQ==', changed: 'Yg==' }, stringData: { gone: 'x' } },
      { data: { same: 'YQ==', changed: 'Yw==', added: 'ZA==' } },
    );
    assert.deepEqual(before, {
      data: { same: '***', changed: '*** (before)' },
      stringData: { gone: '*** (before)' },
    });
    assert.deepEqual(after, { data: { same: '***', changed: '*** (after)', added: '*** (after)' } });
    assert.deepEqual(changedKeys, ['added', 'changed', 'gone']);
  });
});
