// `tide diff kustomization` against a Kustomization the controller applied from a git
// repository: silent with status 0 while the cluster matches the folder; a local change
// shows as drift (status 1) with every Secret value masked, new and pruned objects are
// named; once the change is committed and reconciled, status 0 again. The dry run goes
// out as spec.serviceAccountName, like the controller's apply.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../../../api/object.js';
import {
  gitSource,
  isReadyAt,
  kustomization,
  startKustomizeHarness,
  waitKustomization,
  type KustomizeHarness,
} from '../../../controllers/kustomize/testdata/harness.js';
import { CoreResources } from '../../../runtime/client/resource.js';
import { Kustomizations } from '../../local/kustomization-object.js';
import { newRootCommand } from '../../program.js';
import { runTide, testContext } from '../../testdata/context.js';
import { newCompleteCommand } from '../completion/complete.js';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata', 'repo');

async function readTree(dir: string, rel = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const d of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) Object.assign(out, await readTree(dir, r));
    else out[r] = await readFile(path.join(dir, r), 'utf8');
  }
  return out;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

let h: KustomizeHarness;
before(async () => {
  h = await startKustomizeHarness();
});
after(async () => {
  await h.stop();
});

function diff(ns: string, dir: string, ...extra: string[]) {
  return runTide(['diff', 'kustomization', 'app', '-n', ns, '--path', path.join(dir, 'deploy'), ...extra], {
    env: { KUBECONFIG: h.env.kubeconfigPath },
  });
}

describe('tide diff kustomization', () => {
  it('exits 0 in sync, 1 with drift (Secret values masked, new and pruned objects named), 0 once reconciled', async (t) => {
    const ns = await h.env.createNamespace(t);
    const files = await readTree(fixture);
    const repo = await gitSource(h, ns, 'repo', files);
    const dbPassword = 's3cr3t-Pa55word';
    await h.client.create(CoreResources.ConfigMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'vars', namespace: ns },
      data: { TIER: 'gold' },
    } as KubeObject);
    await h.client.create(CoreResources.Secret, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'secret-vars', namespace: ns },
      data: { DB_PASSWORD: b64(dbPassword) },
    } as KubeObject);
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'app', {
        path: './deploy',
        targetNamespace: ns,
        namePrefix: 'app-',
        images: [{ name: 'ghcr.io/stefanprodan/podinfo', newTag: '6.0.1' }],
        patches: [
          { patch: '- op: replace\n  path: /spec/replicas\n  value: 2\n', target: { kind: 'Deployment' } },
        ],
        postBuild: {
          substitute: { REGION: 'eu-west-1' },
          substituteFrom: [
            { kind: 'ConfigMap', name: 'vars' },
            { kind: 'Secret', name: 'secret-vars' },
          ],
        },
      }),
    );
    await waitKustomization(h.client, ns, 'app', isReadyAt());
    const local = await mkdtemp(path.join(os.tmpdir(), 'tide-diff-'));
    t.after(() => rm(local, { recursive: true, force: true }));
    await cp(fixture, local, { recursive: true });

    const clean = await diff(ns, local);
    assert.equal(clean.code, 0, `in sync: ${clean.stdout}${clean.stderr}`);
    assert.equal(clean.stdout, '', 'nothing to report');

    const changed: Record<string, string | null> = {
      'deploy/configmap.yaml':
        files['deploy/configmap.yaml']?.replace('greeting: hello', 'greeting: bonjour') ?? '',
      'deploy/secret.yaml': files['deploy/secret.yaml']?.replace('admin-user', 'root-admin-2') ?? '',
      'deploy/kustomization.yaml':
        files['deploy/kustomization.yaml']?.replace('  - extra.yaml', '  - added.yaml') ?? '',
      'deploy/added.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: added\ndata:\n  a: b\n',
      'deploy/extra.yaml': null,
    };
    for (const [file, content] of Object.entries(changed)) {
      if (content === null) await rm(path.join(local, file));
      else await writeFile(path.join(local, file), content);
    }
    const drift = await diff(ns, local);
    assert.equal(drift.code, 1, `changes: ${drift.stdout}${drift.stderr}`);
    assert.match(drift.stderr, /identified at least one change, exiting with non-zero exit code/);
    const out = drift.stdout;
    assert.match(out, new RegExp(`► ConfigMap/${ns}/app-settings drifted\\n`));
    assert.match(out, /^- {2}greeting: hello$/m);
    assert.match(out, /^\+ {2}greeting: bonjour$/m);
    assert.match(
      out,
      new RegExp(`► Secret/${ns}/app-credentials drifted\\n  changed keys \\(values hidden\\): username\\n`),
    );
    assert.match(out, /^- {2}username: "\*\*\* \(before\)"$/m);
    assert.match(out, /^\+ {2}username: "\*\*\* \(after\)"$/m);
    assert.match(out, new RegExp(`► ConfigMap/${ns}/app-added created\\n`));
    assert.match(out, new RegExp(`► ConfigMap/${ns}/app-extra deleted\\n`));
    assert.doesNotMatch(out, /Deployment/, 'the unchanged Deployment is not reported');
    for (const secret of ['root-admin-2', 'admin-user', dbPassword]) {
      for (const form of [secret, b64(secret)]) {
        assert.ok(
          !`${drift.stdout}${drift.stderr}`.includes(form),
          `the Secret value ${form} is not printed`,
        );
      }
    }

    const sha = await repo.commit(changed);
    await waitKustomization(h.client, ns, 'app', isReadyAt(`main@sha1:${sha}`));
    const again = await diff(ns, local);
    assert.equal(again.code, 0, `in sync after reconcile: ${again.stdout}${again.stderr}`);
    assert.equal(again.stdout, '');
  });

  it('dry-runs as spec.serviceAccountName: without rights it fails with status 2 naming the account', async (t) => {
    const ns = await h.env.createNamespace(t);
    await h.client.create(CoreResources.ServiceAccount, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'nobody', namespace: ns },
    });
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'app', {
        path: './deploy',
        targetNamespace: ns,
        serviceAccountName: 'nobody',
        suspend: true,
      }),
    );
    const res = await diff(ns, fixture);
    assert.equal(res.code, 2, `${res.stdout}${res.stderr}`);
    assert.match(res.stderr, new RegExp(`forbidden.*\\(as system:serviceaccount:${ns}:nobody\\)`));
  });

  it('exits 2 when the Kustomization does not exist, and 2 for a build error', async (t) => {
    const ns = await h.env.createNamespace(t);
    const missing = await diff(ns, fixture);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, new RegExp(`Kustomization ${ns}/app not found`));
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'app', {
        path: './deploy',
        targetNamespace: ns,
        suspend: true,
        postBuild: { substitute: { REGION: 'eu' } },
      }),
    );
    const strict = await diff(ns, fixture, '--strict-substitute');
    assert.equal(strict.code, 2);
    assert.match(strict.stderr, /variable not set \(strict mode\): "(TIER|DB_PASSWORD)"/);
  });

  it('--ignore-not-found: a Kustomization only in --kustomization-file diffs as all new, a new Namespace and what it holds too', async (t) => {
    const ns = await h.env.createNamespace(t);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tide-diff-new-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const fresh = `${ns}-new`;
    await mkdir(path.join(dir, 'deploy'));
    await writeFile(
      path.join(dir, 'deploy', 'all.yaml'),
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${fresh}\n---\n` +
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: ${fresh}\ndata:\n  a: b\n`,
    );
    const ksFile = path.join(dir, 'ks.yaml');
    await writeFile(
      ksFile,
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: new\nspec:\n' +
        '  interval: 5m\n  prune: true\n  path: ./deploy\n  sourceRef: {kind: GitRepository, name: repo}\n',
    );
    const args = [
      'diff',
      'ks',
      'new',
      '-n',
      ns,
      '--path',
      path.join(dir, 'deploy'),
      '--kustomization-file',
      ksFile,
    ];
    const env = { KUBECONFIG: h.env.kubeconfigPath };
    const refused = await runTide(args, { env });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, new RegExp(`Kustomization ${ns}/new not found in the cluster`));
    const res = await runTide([...args, '--ignore-not-found'], { env });
    assert.equal(res.code, 1, res.stderr);
    assert.equal(res.stdout, `► Namespace/${fresh} created\n► ConfigMap/${fresh}/cm created\n`);
  });

  it('completes Kustomization names from the cluster through `tide __complete` (diff ks <TAB>)', async (t) => {
    const ns = await h.env.createNamespace(t);
    for (const name of ['podinfo', 'podcast', 'other']) {
      await h.client.create(Kustomizations, kustomization(ns, name, { suspend: true }));
    }
    const ctx = testContext({ env: { KUBECONFIG: h.env.kubeconfigPath } });
    const root = newRootCommand(ctx);
    if (!root.commands.some((c) => c.name() === '__complete'))
      root.addCommand(newCompleteCommand(ctx), { hidden: true });
    root.exitOverride();
    await root.parseAsync(['__complete', '--', 'diff', 'ks', '-n', ns, 'pod'], { from: 'user' });
    assert.equal(ctx.stdout(), 'podcast\npodinfo\n');
  });
});
