import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../api/object.js';
import { NOUNS } from './nouns.js';
import { statusTable, statusTables, type TableOptions } from './status-table.js';
import { assertGolden } from './testdata/golden.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const objects = parseAllDocuments(readFileSync(path.join(testdata, 'objects.yaml'), 'utf8'))
  .map((d) => d.toJS() as KubeObject | null)
  .filter((o): o is KubeObject => o !== null);
const now = Date.parse('2026-01-10T12:00:00Z');
const golden = (name: string): string => path.join(testdata, 'tables', `${name}.golden`);
const render = (lines: string[]): string => `${lines.join('\n')}\n`;

const ofKind = (kind: string, namespace?: string): KubeObject[] =>
  objects.filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace));

describe('status tables (get)', () => {
  it('has a fixture of every kind get shows', () => {
    for (const noun of NOUNS) assert.ok(ofKind(noun.kind.kind).length > 0, `no ${noun.kind.kind} fixture`);
  });

  for (const noun of NOUNS) {
    it(`get ${noun.words.join(' ')} -n flux-system`, () => {
      const lines = statusTable(ofKind(noun.kind.kind, 'flux-system'), { now });
      assertGolden(golden(noun.words.join('-')), render(lines));
    });
  }

  const variants: { name: string; kind: string; opts: Omit<TableOptions, 'now'> }[] = [
    { name: 'source-git-all-namespaces', kind: 'GitRepository', opts: { allNamespaces: true } },
    { name: 'kustomization-all-namespaces', kind: 'Kustomization', opts: { allNamespaces: true } },
    { name: 'kustomization-no-header', kind: 'Kustomization', opts: { allNamespaces: true, noHeader: true } },
    {
      name: 'kustomization-show-source',
      kind: 'Kustomization',
      opts: { allNamespaces: true, showSource: true },
    },
    { name: 'helmrelease-show-source', kind: 'HelmRelease', opts: { showSource: true } },
  ];
  for (const v of variants) {
    it(v.name, () => {
      assertGolden(golden(v.name), render(statusTable(ofKind(v.kind), { now, ...v.opts })));
    });
  }

  it('get all -n flux-system: one table per kind present, names prefixed with the kind', () => {
    const groups = NOUNS.map((n) => ofKind(n.kind.kind, 'flux-system'));
    assertGolden(golden('all'), render(statusTables(groups, { now })));
  });

  it('get all -A', () => {
    const groups = NOUNS.map((n) => ofKind(n.kind.kind));
    assertGolden(golden('all-all-namespaces'), render(statusTables(groups, { now, allNamespaces: true })));
  });

  it('get all in a namespace with only some kinds leaves the others out', () => {
    const groups = NOUNS.map((n) => ofKind(n.kind.kind, 'team-a'));
    const lines = statusTables(groups, { now });
    assert.deepEqual(
      lines.filter((l) => l.startsWith('NAME')).length,
      2,
      'a GitRepository and a Kustomization table',
    );
    assert.ok(lines.includes(''), 'tables are separated by a blank line');
  });
});
