import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { useTestEnvironment } from './env.js';
import { eventually } from './eventually.js';
import { kubeRequest } from './kube-request.js';

const env = await useTestEnvironment();
const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');

describe('test environment', () => {
  it('installs CRDs, waits until they are Established, and they validate', async (t) => {
    const names = await env.installCRDs(testdata);
    assert.deepEqual(names, ['widgets.example.com']);
    assert.deepEqual(await env.installCRDs(testdata), names, 'installing again is a no-op apply');
    const namespace = await env.createNamespace(t);
    const widgets = `/apis/example.com/v1/namespaces/${namespace}/widgets`;
    const good = await kubeRequest(env.kc, {
      method: 'POST',
      path: widgets,
      body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 2 } },
    });
    assert.equal(good.status, 201, JSON.stringify(good.body));
    const bad = await kubeRequest(env.kc, {
      method: 'POST',
      path: widgets,
      body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' }, spec: { size: 0 } },
    });
    assert.equal(bad.status, 422);
    assert.match(JSON.stringify(bad.body), /spec\.size/);
  });

  it('gives each test a fresh namespace and deletes it afterwards', async (t) => {
    let created = '';
    await t.test('inner', async (inner) => {
      created = await env.createNamespace(inner, 'scratch');
      const ns = await env.core.readNamespace({ name: created });
      assert.equal(ns.metadata?.labels?.['tide.dev/test'], 'true');
    });
    assert.match(created, /^scratch-[0-9a-f]{8}$/);
    await eventually(async () => {
      const ns = await env.core.readNamespace({ name: created }).catch(() => undefined);
      assert.ok(
        ns === undefined || ns.metadata?.deletionTimestamp !== undefined,
        `${created} is not being deleted`,
      );
    });
  });
});
