// The inspection commands against the shared cluster with the source and kustomize
// controllers running in this process: a Kustomization applies a ConfigMap, a Deployment
// and a child Kustomization (which applies a ConfigMap of its own); tree, trace, events,
// stats and logs then read what the controllers did.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { KubeObject } from '../../api/object.js';
import type { Repo } from '../../gitserver/types.js';
import {
  gitSource,
  isReadyAt,
  kustomization,
  shardLabels,
  startKustomizeHarness,
  waitKustomization,
  type KustomizeHarness,
} from '../../controllers/kustomize/testdata/harness.js';
import { Kustomizations } from '../../controllers/kustomize/kustomization/resources.js';
import { readGitRepository } from '../../controllers/source/testdata/harness.js';
import { CoreResources, type ResourceType } from '../../runtime/client/resource.js';
import { eventually } from '../../testenv/eventually.js';
import { runTide, testContext } from '../testdata/context.js';
import { runProgram } from '../program.js';
import type { TreeDocument } from './inventory-tree.js';

const Deployments: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'deployments',
  kind: 'Deployment',
  namespaced: true,
};

const Pods: ResourceType = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };

let h: KustomizeHarness;
let repo: Repo;
let ns: string;
let revision: string;
let env: Record<string, string>;
let tmp: string;
const cleanups: (() => unknown)[] = [];

const deployment = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'nginx:1.27' }] } },
  },
});

before(async () => {
  h = await startKustomizeHarness();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tide-inspect-'));
  env = { KUBECONFIG: h.env.kubeconfigPath };
});
after(async () => {
  for (const fn of cleanups) await fn();
  await h.stop();
  await rm(tmp, { recursive: true, force: true });
});

describe('inspecting what the controllers applied', () => {
  before(async () => {
    ns = await h.env.createNamespace({ after: (fn) => cleanups.push(fn) }, 'inspect');
    const child = kustomization(ns, 'child', { path: './child', targetNamespace: ns });
    repo = await gitSource(h, ns, 'repo', {
      'app/configmap.yaml': stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'settings' },
        data: { a: 'b' },
      }),
      'app/deployment.yaml': stringify(deployment('web')),
      'app/child.yaml': stringify({ ...child, metadata: { name: 'child', labels: shardLabels() } }),
      'child/configmap.yaml': stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'child-data' },
        data: {},
      }),
    });
    revision = (await readGitRepository(h.client, ns, 'repo')).status?.artifact?.revision ?? '';
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'parent', { path: './app', targetNamespace: ns }),
    );
    await waitKustomization(h.client, ns, 'parent', isReadyAt(revision));
    await waitKustomization(h.client, ns, 'child', isReadyAt(revision));
  });

  it('tree shows the inventory with the child Kustomization expanded', async () => {
    const text = await runTide(['tree', 'kustomization', 'parent', '-n', ns], { env });
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `Kustomization/${ns}/parent`);
    for (const line of [`ConfigMap/${ns}/settings`, `Deployment/${ns}/web`, `Kustomization/${ns}/child`])
      assert.ok(
        lines.some((l) => /^[├└]── /.test(l) && l.endsWith(line)),
        `${line} at the first level:\n${text.stdout}`,
      );
    assert.ok(
      lines.some((l) => /^[│ ] {3}└── /.test(l) && l.endsWith(`ConfigMap/${ns}/child-data`)),
      text.stdout,
    );

    const json = await runTide(['tree', 'ks', 'parent', '-n', ns, '-o', 'json'], { env });
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as TreeDocument;
    const child = doc.resources?.find((r) => r.kind === 'Kustomization');
    assert.deepEqual(child?.resources, [{ kind: 'ConfigMap', namespace: ns, name: 'child-data' }]);
    assert.deepEqual(doc.resources?.map((r) => r.name).sort(), ['child', 'settings', 'web']);

    const compact = await runTide(['tree', 'ks', 'parent', '-n', ns, '--compact'], { env });
    assert.deepEqual(compact.stdout.trimEnd().split('\n'), [
      `Kustomization/${ns}/parent`,
      `└── Kustomization/${ns}/child`,
    ]);

    const wrong = await runTide(['tree', 'ks', 'parnt', '-n', ns], { env });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, new RegExp(`Kustomization ${ns}/parnt not found; did you mean parent`));
  });

  it('trace follows the Deployment to its Kustomization, GitRepository and revision', async () => {
    await eventually(
      async () => {
        const d = await h.client.get<KubeObject<unknown, { availableReplicas?: number }>>(
          Deployments,
          'web',
          ns,
        );
        assert.equal(d.status?.availableReplicas, 1);
      },
      { timeoutMs: 60_000 },
    );
    for (const argv of [
      ['trace', 'deployment/web', '-n', ns],
      ['trace', 'deploy', 'web', '-n', ns],
      ['trace', 'web', '--kind', 'Deployment', '--api-version', 'apps/v1', '-n', ns],
    ]) {
      const run = await runTide(argv, { env });
      assert.equal(run.code, 0, run.stderr);
      const out = run.stdout;
      assert.match(out, /^Object: +Deployment\/web$/m, out);
      assert.match(out, /^Status: +Current \(/m, out);
      assert.match(out, /^Kustomization: +parent$/m, out);
      assert.match(out, /^GitRepository: +repo$/m, out);
      assert.equal(
        out.split('\n').filter((l) => new RegExp(`^Revision: +${revision}$`).test(l)).length,
        2,
        out,
      );
      assert.match(out, /^Message: +Applied revision: /m, out);
    }
    await h.client.create(CoreResources.ConfigMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'handmade', namespace: ns },
    });
    const loose = await runTide(['trace', 'configmap/handmade', '-n', ns], { env });
    assert.equal(loose.code, 1);
    assert.match(loose.stderr, /ConfigMap\/.*\/handmade is not managed by Tide/);
    const typo = await runTide(['trace', 'deploymnt/web', '-n', ns], { env });
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /no resource type 'deploymnt'; did you mean .*deployment/);
  });

  it('events --for shows the apply event and the source events', async () => {
    const run = await eventually(
      async () => {
        const r = await runTide(['events', '--for', 'Kustomization/parent', '-n', ns], { env });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /Progressing +Kustomization\/parent +.*created/, r.stdout);
        assert.match(r.stdout, new RegExp(`Deployment/${ns}/web created`), r.stdout);
        assert.match(r.stdout, /GitRepository\/repo/, r.stdout);
        return r;
      },
      { timeoutMs: 30_000 },
    );
    assert.match(run.stdout.split('\n')[0] ?? '', /^LAST SEEN +TYPE +REASON +OBJECT +MESSAGE$/);
    assert.doesNotMatch(run.stdout, /Kustomization\/child/);

    const warnings = await runTide(['events', '--for', 'ks/parent', '--types', 'Warning', '-n', ns], { env });
    assert.equal(warnings.code, 0, warnings.stderr);
    assert.equal(warnings.stdout, '');
    assert.match(warnings.stderr, new RegExp(`no events found in namespace ${ns}`));

    const all = await runTide(['events', '-n', ns], { env });
    assert.match(all.stdout, /Kustomization\/child/);
  });

  it('stats counts the Kustomizations and the source storage', async () => {
    const run = await runTide(['stats', '-n', ns], { env });
    assert.equal(run.code, 0, run.stderr);
    const rows = new Map(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => [l.split(/\s+/)[0], l.split(/\s+/).slice(1)]),
    );
    assert.deepEqual(rows.get('RECONCILERS'), ['RUNNING', 'FAILING', 'SUSPENDED', 'STORAGE']);
    assert.deepEqual(rows.get('Kustomization'), ['2', '0', '0', '-']);
    assert.deepEqual(rows.get('GitRepository')?.slice(0, 3), ['1', '0', '0']);
    assert.match(rows.get('GitRepository')?.slice(3).join(' ') ?? '', /^\d+(\.\d)? (B|KiB)$/);
  });

  it("logs reads the controllers' JSON log about one object", async () => {
    const file = path.join(tmp, 'controllers.log');
    await writeFile(file, h.logs.join('\n') + '\n');
    const run = await runTide(['logs', '--log-file', file, '-n', ns, '--kind', 'ks', '--name', 'parent'], {
      env,
    });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.ok(lines.length > 0, 'some entries');
    for (const line of lines) assert.match(line, new RegExp(`kustomization Kustomization/${ns}/parent - `));
    assert.match(run.stdout, new RegExp(`Applied revision: ${revision}`));
  });
  it('events --watch prints new events as they come, until interrupted', async () => {
    const stop = new AbortController();
    const ctx = testContext({ env, signal: stop.signal });
    const watching = runProgram(['events', '--for', 'Kustomization/parent', '-n', ns, '--watch'], ctx);
    // A new revision makes a new apply event.
    await repo.commit({
      'app/extra.yaml': stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'extra' },
        data: {},
      }),
    });
    try {
      await eventually(
        () => {
          assert.match(ctx.stdout(), new RegExp(`ConfigMap/${ns}/extra created`));
        },
        { timeoutMs: 60_000 },
      );
    } finally {
      stop.abort();
    }
    assert.equal(await watching, 0, ctx.stderr());
    // The existing events first, then the new ones, under one header.
    assert.equal(
      ctx
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('LAST SEEN')).length,
      1,
      ctx.stdout(),
    );
    assert.match(ctx.stdout(), new RegExp(`Deployment/${ns}/web created`));
  });
});

describe('logs from controller pods', () => {
  it('names the simulated node when the cluster cannot serve pod logs', async (t) => {
    const fluxNs = await h.env.createNamespace(t, 'logs');
    const controller = deployment('kustomize-controller', { 'app.kubernetes.io/part-of': 'tide' });
    await h.client.create(Deployments, {
      ...controller,
      metadata: { ...controller.metadata, namespace: fluxNs },
    });
    await eventually(
      async () => {
        const pods = await h.client.list(Pods, {
          namespace: fluxNs,
          labelSelector: 'app=kustomize-controller',
        });
        assert.equal(pods.items.length, 1);
      },
      { timeoutMs: 60_000 },
    );
    const run = await runTide(['logs', '--flux-namespace', fluxNs, '-A'], { env, cacheDir: tmp });
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, new RegExp(`cannot read the log of pod ${fluxNs}/kustomize-controller-`));
    assert.match(run.stderr, /simulated \(kwok\): pods there run no containers and have no logs/);
  });

  it('says where it looked when no controllers are installed', async (t) => {
    const empty = await h.env.createNamespace(t, 'nologs');
    const run = await runTide(['logs', '--flux-namespace', empty], { env, cacheDir: path.join(tmp, 'none') });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(`no Deployment labelled app.kubernetes.io/part-of in \\(tide,flux\\) in namespace ${empty}`),
    );
  });
});
