// Secrets and tenant input through the Kustomization controller: substituted Secret
// values stay opaque data (no shell anywhere), a Secret the API rejects or may not
// change is reported by name with its values kept out of every sink, a kubectl-applied
// Secret is corrected without its last-applied annotation leaking, and an artifact URL
// with credentials is reported without them. A canary planted in every secret value
// must be absent from the manager's logs, the namespace's Events (both APIs), the
// Kustomization's status and the error messages.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kustomization } from '../../../api/kustomize/kustomization.js';
import type { KubeObject } from '../../../api/object.js';
import { ExternalArtifactKind } from '../../../api/source/externalartifact.js';
import { CoreResources, resourceFor } from '../../../runtime/client/resource.js';
import { eventually } from '../../../testenv/eventually.js';
import {
  condition,
  createSecret,
  getOrUndefined,
  gitSource,
  isFailing,
  isReadyAt,
  kustomization,
  readKustomization,
  startKustomizeHarness,
  waitKustomization,
  type KustomizeHarness,
} from '../testdata/harness.js';
import { Kustomizations } from './resources.js';

const ExternalArtifacts = resourceFor(ExternalArtifactKind);
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type DataObject = KubeObject & { data?: Record<string, string> };

let h: KustomizeHarness;
before(async () => {
  h = await startKustomizeHarness();
});
after(async () => {
  await h.stop();
});

function newCanary(): string {
  return `canary${randomBytes(12).toString('hex')}`;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Each canary as written and base64-encoded, the two forms a Secret value travels in. */
function forms(canaries: readonly string[]): string[] {
  return canaries.flatMap((c) => [c, b64(c)]);
}

async function sinks(ns: string, name: string, messages: readonly string[]): Promise<Record<string, string>> {
  const events = await h.client.request({ path: `/apis/events.k8s.io/v1/namespaces/${ns}/events` });
  const coreEvents = await h.client.request({ path: `/api/v1/namespaces/${ns}/events` });
  const ks = await readKustomization(h.client, ns, name);
  return {
    logs: h.logs.join('\n'),
    'events.k8s.io/v1 Events': JSON.stringify(events),
    'core/v1 Events': JSON.stringify(coreEvents),
    'Kustomization status': JSON.stringify(ks.status ?? {}),
    'error messages': messages.join('\n'),
  };
}

/** Fails naming the sink (and a little context) that holds any form of a canary. */
async function assertNoLeak(
  ns: string,
  name: string,
  canaries: readonly string[],
  messages: readonly string[] = [],
): Promise<void> {
  const texts = await sinks(ns, name, messages);
  for (const secret of forms(canaries)) {
    for (const [sink, text] of Object.entries(texts)) {
      const at = text.indexOf(secret);
      assert.equal(at, -1, `${sink} leaks a secret value: …${text.slice(Math.max(0, at - 120), at)}…`);
    }
  }
}

function readyMessage(k: Kustomization): string {
  return condition(k, 'Ready')?.message ?? '';
}

async function requestReconcile(ns: string, name: string): Promise<string> {
  const token = `${new Date().toISOString()}-${randomBytes(3).toString('hex')}`;
  await h.client.patch(
    Kustomizations,
    { name, namespace: ns },
    { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } },
    { type: 'merge' },
  );
  return token;
}

describe('Kustomization secrets and tenant input', () => {
  it('item 21: substitutes shell and YAML metacharacters from a Secret as opaque data', async (t) => {
    const ns = await h.env.createNamespace(t);
    const canary = newCanary();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tide-shell-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const sentinel = path.join(dir, 'sentinel');
    await writeFile(sentinel, 'must survive');
    const vars = {
      cmd: `$(id) $(touch ${dir}/m1) ${canary}`,
      tick: `\`id\` \`touch ${dir}/m2\` ${canary}`,
      semi: `${canary};rm -rf ${sentinel};touch ${dir}/m3`,
      nl: `a\nkind: Secret\nmetadata: {name: ${canary}}`,
    };
    await createSecret(h.client, ns, 'vars', vars);
    // Quotes written around a reference do not survive the build (Flux re-serializes each
    // object before substituting), so the quotes come from a variable too (quote: '"').
    const data = (quote: string): string =>
      Object.keys(vars)
        .map((k) => `  ${k}: ${quote}\${${k}}${quote}\n`)
        .join('');
    const configMap = (name: string, quote: string): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${data(quote)}`;
    await gitSource(h, ns, 'repo', {
      'quoted/cm.yaml': configMap('substituted', '${quote}'),
      'plain/cm.yaml': configMap('unquoted', ''),
    });
    const substituteFrom = [{ kind: 'Secret' as const, name: 'vars' }];
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'subst', {
        path: './quoted',
        targetNamespace: ns,
        postBuild: { substitute: { quote: '"' }, substituteFrom },
      }),
    );
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'unquoted', { path: './plain', targetNamespace: ns, postBuild: { substituteFrom } }),
    );
    const ks = await waitKustomization(h.client, ns, 'subst', isReadyAt());
    const cm = await h.client.get<DataObject>(CoreResources.ConfigMap, 'substituted', ns);
    // Flux drops every newline of a substituted value, so no value can start a new YAML line.
    assert.deepEqual(cm.data, { ...vars, nl: `akind: Secretmetadata: {name: ${canary}}` });
    assert.deepEqual(
      ks.status?.inventory?.entries.map((e) => e.id),
      [`${ns}_substituted__ConfigMap`],
    );
    // Unquoted, the YAML in a value makes the object invalid: refused by field, never parsed into objects.
    const refused = await waitKustomization(
      h.client,
      ns,
      'unquoted',
      isFailing('BuildFailed', `ConfigMap/${ns}/unquoted: field data.nl`),
    );
    assert.equal(refused.status?.inventory, undefined);
    assert.equal(
      await getOrUndefined(() => h.client.get(CoreResources.ConfigMap, 'unquoted', ns)),
      undefined,
    );
    const secrets = await h.client.list<KubeObject>(CoreResources.Secret, { namespace: ns });
    assert.deepEqual(secrets.items.map((s) => s.metadata.name).sort(), ['repo-auth', 'vars']);
    assert.deepEqual(await readdir(dir), ['sentinel'], 'a shell ran a substituted value');
    await assertNoLeak(ns, 'subst', [canary]);
    await assertNoLeak(ns, 'unquoted', [canary], [readyMessage(refused)]);
  });

  it('item 24: a Secret the API rejects is named, with its value in no sink', async (t) => {
    const ns = await h.env.createNamespace(t);
    const canary = newCanary();
    await gitSource(h, ns, 'repo', {
      'secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: bad\ndata:\n  token: "not-base64!${canary}"\n`,
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: beside\ndata: {a: b}\n',
    });
    await h.client.create(Kustomizations, kustomization(ns, 'bad', { targetNamespace: ns }));
    const ks = await waitKustomization(
      h.client,
      ns,
      'bad',
      isFailing('ReconciliationFailed', `Secret/${ns}/bad`),
    );
    t.diagnostic(`Ready message: ${readyMessage(ks)}`);
    // The whole set is dry-run before anything is written.
    assert.equal(await getOrUndefined(() => h.client.get(CoreResources.ConfigMap, 'beside', ns)), undefined);
    assert.equal(await getOrUndefined(() => h.client.get(CoreResources.Secret, 'bad', ns)), undefined);
    await assertNoLeak(ns, 'bad', [canary], [readyMessage(ks)]);
  });

  it('item 24: a changed immutable Secret is named, old and new values in no sink', async (t) => {
    const ns = await h.env.createNamespace(t);
    const [before, after] = [newCanary(), newCanary()];
    const secret = (value: string): string =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: frozen\nimmutable: true\ndata:\n  token: ${b64(value)}\n`;
    const repo = await gitSource(h, ns, 'repo', { 'secret.yaml': secret(before) });
    await h.client.create(Kustomizations, kustomization(ns, 'frozen', { targetNamespace: ns }));
    const ready = await waitKustomization(h.client, ns, 'frozen', isReadyAt());
    const applied = ready.status?.lastAppliedRevision;

    const second = await repo.commit({ 'secret.yaml': secret(after) });
    const ks = await waitKustomization(h.client, ns, 'frozen', (k) => {
      isFailing('ReconciliationFailed', `Secret/${ns}/frozen`)(k);
      assert.equal(k.status?.lastAttemptedRevision, `main@sha1:${second}`);
    });
    t.diagnostic(`Ready message: ${readyMessage(ks)}`);
    assert.match(readyMessage(ks), /immutable/);
    assert.equal(ks.status?.lastAppliedRevision, applied);
    const live = await h.client.get<DataObject>(CoreResources.Secret, 'frozen', ns);
    assert.equal(live.data?.token, b64(before));
    await assertNoLeak(ns, 'frozen', [before, after], [readyMessage(ks)]);
  });

  it('item 25: corrects a kubectl-applied Secret without leaking its last-applied annotation', async (t) => {
    const ns = await h.env.createNamespace(t);
    const [kubectl, drift, desired] = [newCanary(), newCanary(), newCanary()];
    /** What `kubectl apply` of a stringData manifest leaves: the data, and the manifest in an annotation. */
    const kubectlSecret = (value: string): DataObject => {
      const manifest = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'creds', namespace: ns },
        stringData: { password: value },
      };
      return {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'creds', namespace: ns, annotations: { [LAST_APPLIED]: JSON.stringify(manifest) } },
        data: { password: b64(value), extra: b64(value) },
      };
    };
    await h.client.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/secrets`,
      query: { fieldManager: 'kubectl-client-side-apply' },
      body: kubectlSecret(kubectl),
    });
    await gitSource(h, ns, 'repo', {
      'secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  password: ${b64(desired)}\n`,
    });
    await h.client.create(Kustomizations, kustomization(ns, 'creds', { targetNamespace: ns }));
    await waitKustomization(h.client, ns, 'creds', isReadyAt());
    const expectCorrected = async (): Promise<void> => {
      const live = await h.client.get<DataObject>(CoreResources.Secret, 'creds', ns);
      // The kubectl-only key goes with kubectl's ownership, and so does the annotation.
      assert.deepEqual(live.data, { password: b64(desired) });
      assert.equal(live.metadata.annotations?.[LAST_APPLIED], undefined);
    };
    await expectCorrected();
    const configured = `Secret/${ns}/creds configured`;
    await eventually(async () => {
      const events = JSON.stringify(
        await h.client.request({ path: `/apis/events.k8s.io/v1/namespaces/${ns}/events` }),
      );
      assert.ok(events.includes(configured), 'no event with the change set');
    });
    assert.ok(
      h.logs.some((l) => l.includes(configured)),
      'no log line with the change set',
    );

    // Drift by kubectl again (new value, new annotation), corrected on the next reconcile.
    const before = h.logs.filter((l) => l.includes(configured)).length;
    await h.client.request({
      method: 'PUT',
      path: `/api/v1/namespaces/${ns}/secrets/creds`,
      query: { fieldManager: 'kubectl-client-side-apply' },
      body: kubectlSecret(drift),
    });
    const token = await requestReconcile(ns, 'creds');
    await waitKustomization(h.client, ns, 'creds', (k) => {
      assert.equal(k.status?.lastHandledReconcileAt, token);
      isReadyAt()(k);
    });
    await expectCorrected();
    assert.ok(
      h.logs.filter((l) => l.includes(configured)).length > before,
      'no change set for the correction',
    );
    await assertNoLeak(ns, 'creds', [kubectl, drift, desired]);
  });

  it('item 26: an artifact URL with userinfo and a token query fails without them', async (t) => {
    const ns = await h.env.createNamespace(t);
    const [password, signature] = [newCanary(), newCanary()];
    await h.client.create(ExternalArtifacts, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'ExternalArtifact',
      metadata: { name: 'ext', namespace: ns },
      spec: {},
    });
    await h.client.patch(
      ExternalArtifacts,
      { name: 'ext', namespace: ns },
      {
        status: {
          artifact: {
            path: 'externalartifact/ext/x.tar.gz',
            url: `http://user:${password}@127.0.0.1:9/x.tar.gz?sig=${signature}`,
            revision: `latest@sha256:${'a'.repeat(64)}`,
            digest: `sha256:${'b'.repeat(64)}`,
            lastUpdateTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          },
        },
      },
      { type: 'merge', subresource: 'status' },
    );
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'external', {
        targetNamespace: ns,
        retryInterval: '2s',
        sourceRef: { kind: 'ExternalArtifact', name: 'ext' },
      }),
    );
    const ks = await waitKustomization(
      h.client,
      ns,
      'external',
      isFailing('ArtifactFailed', `ExternalArtifact/${ns}/ext`),
      30_000,
    );
    const message = readyMessage(ks);
    t.diagnostic(`Ready message: ${message}`);
    assert.ok(message.includes('127.0.0.1:9/x.tar.gz'), 'the message names the artifact');
    assert.doesNotMatch(message, /user|@127|\?sig|sig=/);
    // Retried after retryInterval (2s): the later attempts must not leak either.
    const attempts = (): number =>
      h.logs.filter((l) => l.includes(`ExternalArtifact/${ns}/ext: failed to download`)).length;
    await eventually(
      () => {
        assert.ok(attempts() >= 2, `${attempts()} attempts logged`);
      },
      { timeoutMs: 15_000 },
    );
    await assertNoLeak(ns, 'external', [password, signature], [message]);
  });
});
