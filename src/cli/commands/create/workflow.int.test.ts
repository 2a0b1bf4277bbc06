// The resource commands as a user runs them, in-process against the shared cluster with
// the source and kustomize controllers running (the kustomize test harness): create a
// GitRepository from a git server repository and a Kustomization → Ready; get shows
// them; suspend → reconcile refuses; resume → Ready; reconcile --with-source applies a
// new commit at once; export → accepted again by the API server; delete → gone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { KustomizationKind, type Kustomization } from '../../../api/kustomize/kustomization.js';
import type { KubeObject } from '../../../api/object.js';
import { GitRepositoryKind, type GitRepository } from '../../../api/source/gitrepository.js';
import { CoreResources, resourceFor } from '../../../runtime/client/resource.js';
import { getOrUndefined, type KustomizeHarness } from '../../../controllers/kustomize/testdata/harness.js';
import {
  assertOk,
  configMap,
  startCliHarness,
  type CliHarness,
} from '../../resources/testdata/cli-harness.js';

const Kustomizations = resourceFor(KustomizationKind);
const GitRepositories = resourceFor(GitRepositoryKind);

let h: KustomizeHarness;
let tide: CliHarness['tide'];
let shard: string;
before(async () => {
  const cli = await startCliHarness();
  ({ h, tide, shard } = cli);
});
after(async () => {
  await h.stop();
});

async function greeting(ns: string): Promise<string | undefined> {
  const cm = await getOrUndefined(() =>
    h.client.get<KubeObject & { data?: Record<string, string> }>(CoreResources.ConfigMap, 'settings', ns),
  );
  return cm?.data?.['greeting'];
}

const ok = assertOk;

describe('tide resource commands', () => {
  it('create, get, suspend, resume, reconcile --with-source, export and delete', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await h.git.createRepo(`${ns}/app`, { defaultBranch: 'main' });
    const first = await repo.commit({ 'deploy/configmap.yaml': configMap('hello') });
    const { username, password } = h.git.credentials;

    // create source git: the credentials Secret named like the source, then the first artifact.
    const src = await tide([
      'create',
      'source',
      'git',
      'app',
      '-n',
      ns,
      '--url',
      repo.httpsUrl,
      '--branch',
      'main',
      '-u',
      username,
      '-p',
      password,
      '--ca-file',
      h.git.caCertPath,
      '--interval',
      '10m',
      '--label',
      shard,
      '--timeout',
      '90s',
    ]);
    ok(src, 'create source git');
    assert.match(
      src.stderr,
      new RegExp(`► applying Secret ${ns}/app\n✔ Secret created\n✔ authentication configured\n`),
    );
    assert.match(src.stderr, new RegExp(`► applying GitRepository ${ns}/app\n✔ GitRepository created\n`));
    assert.match(src.stderr, new RegExp(`✔ fetched revision: main@sha1:${first}\n$`));
    assert.ok(!`${src.stdout}${src.stderr}`.includes(password), 'the password is never printed');
    const secret = await h.client.get<KubeObject & { data?: Record<string, string> }>(
      CoreResources.Secret,
      'app',
      ns,
    );
    assert.deepEqual(Object.keys(secret.data ?? {}).sort(), ['ca.crt', 'password', 'username']);
    const source = await h.client.get<GitRepository>(GitRepositories, 'app', ns);
    assert.equal(source.spec?.interval, '10m0s');
    assert.deepEqual(source.spec.secretRef, { name: 'app' });

    // create kustomization: applied and Ready.
    const ksRes = await tide([
      'create',
      'kustomization',
      'app',
      '-n',
      ns,
      '--source',
      'GitRepository/app',
      '--path',
      './deploy',
      '--prune',
      '--target-namespace',
      ns,
      '--interval',
      '10m',
      '--label',
      shard,
      '--timeout',
      '90s',
    ]);
    ok(ksRes, 'create kustomization');
    assert.match(ksRes.stderr, new RegExp(`✔ applied revision main@sha1:${first}\n$`));
    assert.equal(await greeting(ns), 'hello');

    // Applying the same again changes nothing and is Ready at once.
    const again = await tide([
      'create',
      'ks',
      'app',
      '-n',
      ns,
      '--source',
      'app',
      '--path',
      'deploy',
      '--prune',
      '--target-namespace',
      ns,
      '--interval',
      '10m',
      '--label',
      shard,
    ]);
    ok(again, 'create kustomization again');
    assert.match(again.stderr, /✔ Kustomization updated\n/);

    // get: tables, kinds, selectors, machine output.
    const getGit = await tide(['get', 'source', 'git', '-n', ns]);
    ok(getGit, 'get source git');
    const [header, row] = getGit.stdout.trimEnd().split('\n');
    assert.match(header ?? '', /^NAME\s+REVISION\s+SUSPENDED\s+READY\s+STATUS\s+AGE$/);
    assert.match(row ?? '', new RegExp(`^app\\s+main@sha1:${first}\\s+False\\s+True\\s+stored artifact`));
    const getKs = await tide(['get', 'ks', '-n', ns, '--show-source', '--no-header']);
    assert.match(
      getKs.stdout,
      new RegExp(`^app\\s+GitRepository/app\\s+main@sha1:${first}\\s+False\\s+True\\s+Applied revision`),
    );
    const getAll = await tide(['get', 'all', '-n', ns]);
    assert.match(getAll.stdout, /^gitrepository\/app\s/m);
    assert.match(getAll.stdout, /^kustomization\/app\s/m);
    const notReady = await tide(['get', 'ks', '-n', ns, '--status-selector', 'ready=false']);
    ok(notReady, 'get --status-selector');
    assert.equal(notReady.stdout, '');
    assert.match(notReady.stderr, new RegExp(`no Kustomization objects found in ${ns} namespace`));
    const asJson = JSON.parse(
      (await tide(['get', 'ks', 'app', '-n', ns, '-o', 'json'])).stdout,
    ) as Kustomization;
    assert.equal(asJson.kind, 'Kustomization');
    assert.equal(asJson.metadata.managedFields, undefined);
    assert.equal(asJson.status?.lastAppliedRevision, `main@sha1:${first}`);

    // suspend: the object says so, and reconcile refuses with the way out.
    ok(await tide(['suspend', 'ks', 'app', '-n', ns]), 'suspend');
    assert.equal((await h.client.get<Kustomization>(Kustomizations, 'app', ns)).spec?.suspend, true);
    assert.match(
      (await tide(['get', 'ks', 'app', '-n', ns, '--no-header'])).stdout,
      /^app\s+\S+\s+True\s+True/,
    );
    const refused = await tide(['reconcile', 'ks', 'app', '-n', ns]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      new RegExp(`✗ Kustomization ${ns}/app is suspended.*tide resume kustomization app -n ${ns}`),
    );

    // resume: reconciled at once and waited for.
    const resumed = await tide(['resume', 'ks', 'app', '-n', ns, '--timeout', '90s']);
    ok(resumed, 'resume');
    assert.match(
      resumed.stderr,
      new RegExp(`✔ Kustomization resumed\n(.*\n)*✔ applied revision main@sha1:${first}\n$`),
    );
    const live = await h.client.get<Kustomization>(Kustomizations, 'app', ns);
    assert.equal(live.spec?.suspend, undefined);
    assert.equal(
      live.status?.lastHandledReconcileAt,
      live.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'],
    );

    // reconcile --with-source: a new commit is fetched and applied now, not in 10 minutes.
    const second = await repo.commit({ 'deploy/configmap.yaml': configMap('changed') });
    const rec = await tide(['reconcile', 'ks', 'app', '--with-source', '-n', ns, '--timeout', '60s']);
    ok(rec, 'reconcile --with-source');
    assert.match(
      rec.stderr,
      new RegExp(`✔ fetched revision main@sha1:${second}\n(.*\n)*✔ applied revision main@sha1:${second}\n$`),
    );
    assert.equal(await greeting(ns), 'changed');
    const reconciled = await h.client.get<Kustomization>(Kustomizations, 'app', ns);
    assert.equal(reconciled.status?.lastAppliedRevision, `main@sha1:${second}`);

    // export: clean manifests the API server accepts again (server-side dry run).
    const exported = await tide(['export', 'source', 'git', 'app', '-n', ns, '--with-credentials']);
    ok(exported, 'export source git');
    const exportedKs = await tide(['export', 'ks', '--all', '-n', ns]);
    ok(exportedKs, 'export ks --all');
    const docs = parseAllDocuments(exported.stdout + exportedKs.stdout).map((d) => d.toJS() as KubeObject);
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['Secret', 'GitRepository', 'Kustomization'],
    );
    for (const doc of docs) {
      assert.equal(doc.status, undefined);
      assert.equal(doc.metadata.managedFields, undefined);
      assert.equal(doc.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'], undefined);
      const res = {
        Secret: CoreResources.Secret,
        GitRepository: GitRepositories,
        Kustomization: Kustomizations,
      }[doc.kind as 'Secret'];
      await h.client.apply(res, doc, { fieldManager: 'tide-export-check', force: true, dryRun: true });
    }

    // delete: asks first; without a terminal it refuses and names --silent.
    const noTty = await tide(['delete', 'ks', 'app', '-n', ns]);
    assert.equal(noTty.code, 2);
    assert.match(noTty.stderr, /stdin is not a terminal\. Pass --silent \(-s\)/);
    const declined = await tide(['delete', 'ks', 'app', '-n', ns], { answers: [false] });
    assert.equal(declined.code, 1);
    assert.match(declined.stderr, /Delete Kustomization .*\/app\? Its prune is enabled/);
    assert.notEqual(await getOrUndefined(() => h.client.get(Kustomizations, 'app', ns)), undefined);
    const deleted = await tide(['delete', 'ks', 'app', '-n', ns, '--timeout', '60s'], { answers: [true] });
    ok(deleted, 'delete ks');
    assert.match(deleted.stderr, /✔ Kustomization deleted\n$/);
    assert.equal(await getOrUndefined(() => h.client.get(Kustomizations, 'app', ns)), undefined);
    assert.equal(await greeting(ns), undefined, 'prune removed what the Kustomization applied');
    ok(
      await tide(['delete', 'source', 'git', 'app', '-n', ns, '-s', '--timeout', '60s']),
      'delete source git',
    );
    assert.equal(await getOrUndefined(() => h.client.get(GitRepositories, 'app', ns)), undefined);
  });

  it('reports failures with the Ready message and unknown names with suggestions', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await h.git.createRepo(`${ns}/app`, { defaultBranch: 'main' });
    await repo.commit({ 'deploy/configmap.yaml': configMap('hello') });
    const failed = await tide([
      'create',
      'source',
      'git',
      'app',
      '-n',
      ns,
      '--url',
      repo.httpsUrl,
      '--branch',
      'main',
      '-u',
      h.git.credentials.username,
      '-p',
      'wrong-password',
      '--ca-file',
      h.git.caCertPath,
      '--label',
      shard,
      '--timeout',
      '60s',
    ]);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /✗ .*(auth|401|403)/i);
    assert.ok(!failed.stderr.includes('wrong-password'), 'the password is never printed');

    const typo = await tide(['reconcile', 'source', 'git', 'ap', '-n', ns]);
    assert.equal(typo.code, 1);
    assert.match(
      typo.stderr,
      new RegExp(`✗ GitRepository 'ap' not found in namespace ${ns}; did you mean app\\?`),
    );
    const elsewhere = await tide(['get', 'source', 'git', 'app']);
    assert.equal(elsewhere.code, 1);
    assert.match(elsewhere.stderr, new RegExp(`it exists in namespace ${ns} \\(use -n ${ns}\\)`));
    const noun = await tide(['suspend', 'kustomizaton', 'app', '-n', ns]);
    assert.equal(noun.code, 2);
    assert.match(noun.stderr, /did you mean kustomization\?/);
  });

  it('creates an SSH source from a key file, with known_hosts scanned from the server', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await h.git.createRepo(`${ns}/ssh`, { defaultBranch: 'main' });
    const sha = await repo.commit({ 'a.yaml': configMap('ssh') });
    const res = await tide([
      'create',
      'source',
      'git',
      'ssh',
      '-n',
      ns,
      '--url',
      repo.sshUrl,
      '--branch',
      'main',
      '--private-key-file',
      h.git.credentials.sshPrivateKeyPath,
      '-s',
      '--label',
      shard,
      '--timeout',
      '60s',
    ]);
    ok(res, 'create source git over SSH');
    assert.match(res.stderr, /✔ collected the host keys of the SSH server 127\.0\.0\.1:\d+\n/);
    assert.match(res.stderr, new RegExp(`✔ fetched revision: main@sha1:${sha}\n$`));
    const secret = await h.client.get<KubeObject & { data?: Record<string, string> }>(
      CoreResources.Secret,
      'ssh',
      ns,
    );
    const knownHosts = Buffer.from(secret.data?.['known_hosts'] ?? '', 'base64').toString();
    assert.ok(knownHosts.includes(h.git.sshKnownHosts.split(' ').slice(1).join(' ')), knownHosts);
  });
});
