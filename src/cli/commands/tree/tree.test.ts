import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { KubeObject } from '../../../api/object.js';
import { assertGolden } from '../../inspect/testdata/golden.js';
import { findObject, loadObjects } from '../../inspect/testdata/fixtures.js';
import { buildTree, renderTree, treeDocument, type ObjectLookup } from '../../inspect/inventory-tree.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const golden = (name: string): string => path.join(here, 'testdata', name);

let objects: KubeObject[];
let lookups: string[];
const lookup: ObjectLookup = (m) => {
  lookups.push(`${m.kind}/${m.namespace}/${m.name}`);
  return Promise.resolve(findObject(objects, m.kind, m.name, m.namespace));
};
const root = (name: string): KubeObject => {
  const obj = findObject(objects, 'Kustomization', name, 'flux-system');
  assert.ok(obj !== undefined, `fixture Kustomization ${name}`);
  return obj;
};

before(async () => {
  objects = await loadObjects(golden('objects.yaml'));
});

describe('tree', () => {
  it('prints the inventory with nested Kustomizations and HelmReleases expanded', async () => {
    lookups = [];
    const tree = await buildTree(root('flux-system'), lookup);
    await assertGolden(golden('tree.golden'), renderTree(tree).join('\n') + '\n');
    // The remote-cluster Kustomization's children are listed, its child Kustomization not read.
    assert.ok(!lookups.includes('Kustomization/apps/apps'), `looked up ${lookups.join(', ')}`);
    // Only the kinds with an inventory are read.
    assert.ok(!lookups.some((l) => l.startsWith('Deployment/')), `looked up ${lookups.join(', ')}`);
  });

  it('keeps only Flux objects with --compact', async () => {
    lookups = [];
    const tree = await buildTree(root('flux-system'), lookup, { compact: true });
    await assertGolden(golden('tree-compact.golden'), renderTree(tree).join('\n') + '\n');
  });

  it('stops at a cycle and shows a malformed inventory id as it is', async () => {
    lookups = [];
    const tree = await buildTree(root('cycle-a'), lookup);
    await assertGolden(golden('tree-cycle.golden'), renderTree(tree).join('\n') + '\n');
    assert.deepEqual(lookups, ['Kustomization/flux-system/cycle-b']);
  });

  it('prints a Kustomization without an inventory as its root alone', async () => {
    const tree = await buildTree(root('empty'), lookup);
    assert.deepEqual(renderTree(tree), ['Kustomization/flux-system/empty']);
  });

  it('gives -o json and yaml the same nested structure', async () => {
    const tree = await buildTree(root('flux-system'), lookup);
    const json = JSON.stringify(treeDocument(tree), null, 2) + '\n';
    await assertGolden(golden('tree.json.golden'), json);
    const { stringify } = await import('yaml');
    assert.deepEqual(parse(stringify(treeDocument(tree))), JSON.parse(json));
  });
});
