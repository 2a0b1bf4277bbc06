// Deprecated served versions: source.toolkit.fluxcd.io/v1beta2 objects are stored as v1
// (conversion strategy None), keep their spec when read through v1, lose the v1beta2-only
// no-op fields, and every v1beta2 request carries the API server's deprecation warning.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { useTestEnvironment } from '../testenv/env.js';
import { kubeRequest, type KubeResponse } from '../testenv/kube-request.js';
import { CRD_DIR } from './crd-files.js';
import { allKinds } from './kinds.js';
import type { KubeObject } from './object.js';
import { GitRepositoryKind } from './source/gitrepository.js';

const env = await useTestEnvironment();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const GROUP = GitRepositoryKind.group;
const WARNING = 'source.toolkit.fluxcd.io/v1beta2 GitRepository is deprecated, upgrade to v1';

function gitRepositories(version: string, namespace: string, name = ''): string {
  const collection = `/apis/${GROUP}/${version}/namespaces/${namespace}/${GitRepositoryKind.plural}`;
  return name === '' ? collection : `${collection}/${name}`;
}

/** The `Warning` header values (`299 - "<text>"`) of a response. */
function warnings(res: KubeResponse): string[] {
  const header = res.headers['warning'];
  if (header === undefined) return [];
  return Array.isArray(header) ? header : [header];
}

describe('source.toolkit.fluxcd.io/v1beta2 (deprecated, stored as v1)', () => {
  before(async () => {
    const names = await env.installCRDs(path.join(root, CRD_DIR));
    assert.equal(names.length, allKinds.length);
  });

  it('creates a GitRepository through v1beta2 and reads the same object through v1', async (t) => {
    const namespace = await env.createNamespace(t);
    const spec = {
      url: 'https://github.com/stefanprodan/podinfo',
      interval: '5m',
      timeout: '90s',
      ref: { branch: 'main', semver: '>=6.0.0' },
      verify: { mode: 'head', secretRef: { name: 'trusted-keys' } },
      secretRef: { name: 'https-credentials' },
      ignore: '/*\n!/deploy\n',
      recurseSubmodules: true,
      include: [{ repository: { name: 'shared' }, fromPath: 'base', toPath: 'vendor' }],
      // v1beta2-only no-ops: accepted, not stored.
      gitImplementation: 'libgit2',
      accessFrom: { namespaceSelectors: [{ matchLabels: { team: 'apps' } }] },
    };
    const created = await kubeRequest(env.kc, {
      method: 'POST',
      path: gitRepositories('v1beta2', namespace),
      body: {
        apiVersion: `${GROUP}/v1beta2`,
        kind: 'GitRepository',
        metadata: { name: 'podinfo' },
        spec,
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.ok(
      warnings(created).some((w) => w.startsWith('299 ') && w.includes(`"${WARNING}"`)),
      `no deprecation warning on the v1beta2 request: ${JSON.stringify(created.headers)}`,
    );
    const beta = created.body as KubeObject;
    assert.equal(beta.apiVersion, `${GROUP}/v1beta2`);

    const read = await kubeRequest(env.kc, { path: gitRepositories('v1', namespace, 'podinfo') });
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.deepEqual(warnings(read), [], 'a v1 request must not be warned about');
    const stored = read.body as KubeObject;
    assert.equal(stored.apiVersion, `${GROUP}/v1`);
    assert.equal(stored.metadata.uid, beta.metadata.uid);
    assert.equal(stored.metadata.resourceVersion, beta.metadata.resourceVersion);
    const { gitImplementation: _impl, accessFrom: _access, ...kept } = spec;
    assert.deepEqual(stored.spec, kept, 'v1 shows the common fields, without the v1beta2 no-ops');

    // Pruned when stored, not just hidden by v1: reading through v1beta2 again shows neither.
    const again = await kubeRequest(env.kc, { path: gitRepositories('v1beta2', namespace, 'podinfo') });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.ok(
      warnings(again).some((w) => w.includes(WARNING)),
      'GET through v1beta2 is warned too',
    );
    assert.deepEqual((again.body as KubeObject).spec, kept);
  });
});
