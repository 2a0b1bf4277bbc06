// deploy/ is a Kustomize base users build: the upstream Kustomize engine (tide-render)
// must build it into exactly the objects of the default installation.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { defaultCacheDir } from '../localcluster/defaults.js';
import { Renderer } from '../render/renderer.js';
import { cliVersion } from '../cli/commands/version/index.js';
import { DEPLOY_DIR } from './deploy.js';
import { manifestRef, type Manifest } from './manifest.js';
import { generateManifests } from './manifests.js';
import { defaultInstallOptions } from './options.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('deploy/ as a Kustomize base', () => {
  let renderer: Renderer;

  before(async () => {
    renderer = await Renderer.start({ cacheDir: defaultCacheDir(process.env), processes: 1 });
  });

  after(async () => {
    await renderer.close();
  });

  it('builds into the default installation', async () => {
    const yaml = await renderer.kustomizeBuild({ root: path.join(repoRoot, DEPLOY_DIR), path: '.' });
    const built = new Map(
      parseAllDocuments(yaml).map((d) => {
        const obj = d.toJS() as Manifest;
        return [manifestRef(obj), obj];
      }),
    );
    const expected = generateManifests(defaultInstallOptions(cliVersion()));
    assert.deepEqual([...built.keys()].sort(), expected.map(manifestRef).sort());
    for (const obj of expected) {
      assert.deepEqual(built.get(manifestRef(obj)), JSON.parse(JSON.stringify(obj)), manifestRef(obj));
    }
  });
});
