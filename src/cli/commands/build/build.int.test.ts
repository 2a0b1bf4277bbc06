// `tide build kustomization`: the golden output of a dry-run build (the renderer only), and
// the proof that a build from the cluster's Kustomization is what the controller applied:
// the same fixture goes through the controller (git server → GitRepository →
// Kustomization) and through `tide build`, and every built object must be in the
// cluster as built, the inventory must hold exactly the built objects.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import type { Kustomization } from '../../../api/kustomize/kustomization.js';
import type { KubeObject } from '../../../api/object.js';
import { objectId, objMetadataOf } from '../../../apply/object-id.js';
import { CoreResources } from '../../../runtime/client/resource.js';
import { DiscoveryCache } from '../../../runtime/client/discovery.js';
import {
  gitSource,
  isReadyAt,
  kustomization,
  startKustomizeHarness,
  waitKustomization,
  type KustomizeHarness,
} from '../../../controllers/kustomize/testdata/harness.js';
import { Kustomizations } from '../../local/kustomization-object.js';
import { assertGolden } from '../../local/testdata/golden.js';
import { runTide } from '../../testdata/context.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const repo = path.join(testdata, 'repo');
const ksFile = path.join(testdata, 'kustomization-app.yaml');

async function readTree(dir: string, rel = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const d of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) Object.assign(out, await readTree(dir, r));
    else out[r] = await readFile(path.join(dir, r), 'utf8');
  }
  return out;
}

function docs(text: string): KubeObject[] {
  return parseAllDocuments(text).map((d) => d.toJS() as KubeObject);
}

/** Every field of `want` is in `got` with the same value (the server adds defaults). */
function assertSubset(want: unknown, got: unknown, at: string): void {
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got), `${at}: want a list, the cluster has ${JSON.stringify(got)}`);
    assert.equal(got.length, want.length, `${at}: list length`);
    want.forEach((w, i) => {
      assertSubset(w, got[i], `${at}[${i}]`);
    });
  } else if (typeof want === 'object' && want !== null) {
    assert.ok(
      typeof got === 'object' && got !== null,
      `${at}: want an object, the cluster has ${String(got)}`,
    );
    for (const [k, w] of Object.entries(want))
      assertSubset(w, (got as Record<string, unknown>)[k], `${at}.${k}`);
  } else {
    assert.deepEqual(
      got,
      want,
      `${at}: the cluster has ${JSON.stringify(got)}, the build ${JSON.stringify(want)}`,
    );
  }
}

describe('tide build kustomization --dry-run', () => {
  it('renders the fixture as the golden file: spec overrides, components, ignore rules, substitution, owner labels, -r', async () => {
    const res = await runTide([
      'build',
      'kustomization',
      'app',
      '--path',
      path.join(repo, 'apps', 'prod'),
      '--kustomization-file',
      ksFile,
      '--dry-run',
      '--ignore-paths',
      'ignored-by-flag.yaml',
      '--recursive',
    ]);
    assert.equal(res.code, 0, res.stderr);
    await assertGolden(path.join(testdata, 'app.golden.yaml'), res.stdout);
    assert.match(res.stderr, /postBuild\.substituteFrom is not read \(ConfigMap\/cluster-vars\)/);
    for (const name of ['ignored-by-sourceignore', 'ignored-by-flag', 'excluded-by-default']) {
      assert.doesNotMatch(res.stdout, new RegExp(name), `${name} is left out of the build`);
    }
  });

  it('-r builds a nested Kustomization from --local-sources, and names the flag when its source has no local path', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tide-build-r-'));
    try {
      const other = path.join(dir, 'ks.yaml');
      await writeFile(other, (await readFile(ksFile, 'utf8')).replace('name: repo', 'name: other-repo'));
      const args = [
        'build',
        'ks',
        'app',
        '--path',
        path.join(repo, 'apps', 'prod'),
        '--kustomization-file',
        other,
      ];
      const unmapped = await runTide([...args, '--dry-run', '-r']);
      assert.equal(unmapped.code, 1);
      assert.match(
        unmapped.stderr,
        /Kustomization apps\/p-child builds GitRepository\/flux-system\/repo, which has no local path: map it with --local-sources GitRepository\/flux-system\/repo=/,
      );
      const mapped = await runTide([
        ...args,
        '--dry-run',
        '-r',
        '--local-sources',
        `GitRepository/flux-system/repo=${repo}`,
      ]);
      assert.equal(mapped.code, 0, mapped.stderr);
      assert.match(mapped.stdout, /name: child-svc\n {2}namespace: child-ns\n/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses --dry-run without --kustomization-file and a missing --path, naming the flag', async () => {
    const noFile = await runTide(['build', 'ks', 'app', '--path', repo, '--dry-run']);
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /--dry-run needs --kustomization-file/);
    const noDir = await runTide([
      'build',
      'ks',
      'app',
      '--path',
      path.join(repo, 'nope'),
      '--kustomization-file',
      ksFile,
      '--dry-run',
    ]);
    assert.equal(noDir.code, 1);
    assert.match(noDir.stderr, /--path .*nope: no such directory/);
    const wrongName = await runTide([
      'build',
      'ks',
      'other',
      '--path',
      repo,
      '--kustomization-file',
      ksFile,
      '--dry-run',
    ]);
    assert.equal(wrongName.code, 1);
    assert.match(wrongName.stderr, /no Kustomization flux-system\/other \(it holds flux-system\/app\)/);
  });
});

describe('tide build kustomization against the controller', () => {
  let h: KustomizeHarness;
  before(async () => {
    h = await startKustomizeHarness();
  });
  after(async () => {
    await h.stop();
  });

  it('builds from the cluster exactly what the controller applied, with substituteFrom read from the cluster', async (t) => {
    const ns = await h.env.createNamespace(t);
    const files = await readTree(repo);
    await gitSource(h, ns, 'repo', files);
    await h.client.create(CoreResources.ConfigMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cluster-vars', namespace: ns },
      data: { CLUSTER_NAME: 'staging-eu' },
    } as KubeObject);
    const spec = (parse(await readFile(ksFile, 'utf8')) as Kustomization).spec;
    assert.ok(spec !== undefined, 'the fixture has a spec');
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'app', {
        ...spec,
        targetNamespace: ns,
        sourceRef: { kind: 'GitRepository', name: 'repo' },
      }),
    );
    const applied = await waitKustomization(h.client, ns, 'app', isReadyAt());

    const res = await runTide(['build', 'ks', 'app', '-n', ns, '--path', path.join(repo, 'apps', 'prod')], {
      env: { KUBECONFIG: h.env.kubeconfigPath },
    });
    assert.equal(res.code, 0, res.stderr);
    const built = docs(res.stdout);
    const settings = built.find((o) => o.metadata.name === 'p-settings') as
      { data?: Record<string, string> } | undefined;
    assert.equal(settings?.data?.['from_cluster'], 'staging-eu', 'substituteFrom is read from the cluster');

    const inventory = (applied.status?.inventory?.entries ?? []).map((e) => e.id).sort();
    const ids = built.map((o) => objectId(objMetadataOf(o))).sort();
    assert.deepEqual(ids, inventory, 'the build holds exactly the objects the controller applied');
    const discovery = new DiscoveryCache(h.client);
    for (const obj of built) {
      const res = await discovery.resourceFor(obj.apiVersion, obj.kind);
      assert.ok(res !== undefined, `${obj.kind} is served`);
      const live = await h.client.get(res, obj.metadata.name, obj.metadata.namespace);
      assertSubset(obj, live, `${obj.kind}/${obj.metadata.name}`);
    }
  });

  it('names close Kustomizations when the name is wrong', async (t) => {
    const ns = await h.env.createNamespace(t);
    await h.client.create(Kustomizations, kustomization(ns, 'podinfo', { suspend: true }));
    const res = await runTide(['build', 'ks', 'podinfoo', '-n', ns, '--path', repo], {
      env: { KUBECONFIG: h.env.kubeconfigPath },
    });
    assert.equal(res.code, 1);
    assert.match(res.stderr, new RegExp(`Kustomization ${ns}/podinfoo not found: did you mean podinfo\\?`));
  });
});
