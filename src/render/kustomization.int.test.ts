// renderKustomization: the upstream build plus Flux's post-build steps.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultCacheDir } from '../localcluster/defaults.js';
import { renderKustomization } from './kustomization.js';
import { RenderError, Renderer } from './renderer.js';
import { SubstitutionError } from './substitute.js';

const files: Record<string, string> = {
  'app/kustomization.yaml': 'resources: [cm.yaml, skip.yaml, ns.yaml]\n',
  'app/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-${ENV:=dev}\ndata:\n  region: ${REGION}\n  replicas: "${REPLICAS:-1}"\n  literal: $${NOT_A_VAR}\n',
  'app/skip.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: raw\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  script: echo ${HOME}\n',
  'app/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n',
};

describe('renderKustomization', () => {
  let renderer: Renderer;
  let root: string;
  before(async () => {
    renderer = await Renderer.start({ cacheDir: defaultCacheDir(process.env), processes: 1 });
    root = await mkdtemp(path.join(os.tmpdir(), 'tide-render-ks-'));
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), content);
    }
  });
  after(async () => {
    await renderer.close();
    await rm(root, { recursive: true, force: true });
  });

  it('builds, substitutes per object (skipping opted-out objects) and digests the result', async () => {
    const input = {
      root,
      path: 'app',
      spec: { targetNamespace: 'apps' },
      postBuild: { vars: { REGION: 'eu-west', NS: 'apps' }, strict: true },
    };
    const out = await renderKustomization(renderer, input);
    const cm = out.objects.find((o) => o.metadata.name === 'settings-dev');
    assert.ok(cm !== undefined, `settings-dev rendered: ${out.yaml}`);
    // Kustomize drops the quotes around "${REPLICAS:-1}", so the value comes back a
    // number, exactly as in Flux (whose docs suggest the ${quote} trick).
    assert.deepEqual(cm.data, { region: 'eu-west', replicas: 1, literal: '${NOT_A_VAR}' });
    assert.equal(cm.metadata.namespace, 'apps');
    const raw = out.objects.find((o) => o.metadata.name === 'raw');
    assert.deepEqual(raw?.data, { script: 'echo ${HOME}' }, 'the opted-out object is untouched');
    assert.match(out.digest, /^sha256:[0-9a-f]{64}$/);
    const again = await renderKustomization(renderer, input);
    assert.equal(again.digest, out.digest, 'the same input gives the same digest');
    const other = await renderKustomization(renderer, {
      ...input,
      postBuild: { ...input.postBuild, vars: { REGION: 'us', NS: 'apps' } },
    });
    assert.notEqual(other.digest, out.digest);
  });

  it('fails in strict mode on an undefined variable, naming it and the object', async () => {
    await assert.rejects(
      renderKustomization(renderer, { root, path: 'app', postBuild: { vars: { NS: 'apps' }, strict: true } }),
      (err: unknown) =>
        err instanceof SubstitutionError && /REGION/.test(err.message) && /ConfigMap/.test(err.message),
    );
  });

  it('refuses an object whose name substitution left empty', async () => {
    await assert.rejects(
      renderKustomization(renderer, {
        root,
        path: 'app',
        postBuild: { vars: { REGION: 'x' }, strict: false },
      }),
      (err: unknown) =>
        err instanceof RenderError && /Namespace\/<no name>.*metadata\.name/.test(err.message),
    );
  });
});
