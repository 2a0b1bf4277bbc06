// Immutable fields: an error naming the field without force; with spec.force or
// the force annotation the object is deleted and created again (a new uid).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { ApplyError } from './engine.js';
import { deployment, OWNER, Res, useTestbed } from './testdata/testbed.js';

const bed = await useTestbed();

async function applyError(p: Promise<unknown>): Promise<ApplyError> {
  const err = await p.then(
    () => assert.fail('apply succeeded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApplyError, `ApplyError, got ${String(err)}`);
  return err;
}

function job(namespace: string, image: string, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate', namespace, labels: OWNER, annotations },
    spec: {
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image }] },
      },
    },
  };
}

function service(namespace: string, clusterIP?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'svc', namespace, labels: OWNER },
    spec: { ...(clusterIP === undefined ? {} : { clusterIP }), ports: [{ port: 80 }] },
  };
}

describe('immutable fields', () => {
  it('a changed Deployment selector fails naming the field; spec.force recreates it', async (t) => {
    const ns = await bed.namespace(t);
    const engine = bed.engine();
    await engine.apply([deployment(ns, 'web', 'a')], bed.applyOpts());
    const before = await bed.client.get(Res.Deployment, 'web', ns);

    const err = await applyError(engine.apply([deployment(ns, 'web', 'b')], bed.applyOpts()));
    assert.equal(err.reason, 'Immutable');
    assert.equal(err.field, 'spec.selector');
    assert.equal(
      err.message,
      `Deployment/${ns}/web: field spec.selector is immutable; set spec.force: true on the Kustomization ` +
        'or annotate the object kustomize.toolkit.fluxcd.io/force: Enabled to recreate it',
    );
    const unchanged = await bed.client.get(Res.Deployment, 'web', ns);
    assert.equal(unchanged.metadata.uid, before.metadata.uid, 'not recreated without force');

    const entries = await engine.apply([deployment(ns, 'web', 'b')], bed.applyOpts({ force: true }));
    assert.deepEqual(
      entries.map((e) => [e.subject, e.action]),
      [[`Deployment/${ns}/web`, 'created']],
    );
    const after = await bed.client.get<KubeObject<{ selector: { matchLabels: Record<string, string> } }>>(
      Res.Deployment,
      'web',
      ns,
    );
    assert.notEqual(after.metadata.uid, before.metadata.uid, 'a new object');
    assert.deepEqual(after.spec?.selector.matchLabels, { app: 'b' });
  });

  it('a changed Job template is recreated when the object is annotated force: Enabled', async (t) => {
    const ns = await bed.namespace(t);
    const engine = bed.engine();
    await engine.apply([job(ns, 'registry.invalid/migrate:1')], bed.applyOpts());
    const before = await bed.client.get(Res.Job, 'migrate', ns);

    const err = await applyError(engine.apply([job(ns, 'registry.invalid/migrate:2')], bed.applyOpts()));
    assert.equal(err.reason, 'Immutable');
    assert.equal(err.field, 'spec.template');
    assert.ok(err.message.length < 300, `a short message, not the template dump: ${err.message}`);

    const force = { 'kustomize.toolkit.fluxcd.io/force': 'Enabled' };
    const entries = await engine.apply([job(ns, 'registry.invalid/migrate:2', force)], bed.applyOpts());
    assert.equal(entries[0]?.action, 'created');
    const after = await bed.client.get<
      KubeObject<{ template: { spec: { containers: { image: string }[] } } }>
    >(Res.Job, 'migrate', ns);
    assert.notEqual(after.metadata.uid, before.metadata.uid, 'a new Job');
    assert.equal(after.spec?.template.spec.containers[0]?.image, 'registry.invalid/migrate:2');
  });

  it('a force annotation on the live object counts too; a Service clusterIP change is immutable', async (t) => {
    const ns = await bed.namespace(t);
    const engine = bed.engine();
    await engine.apply([service(ns)], bed.applyOpts());
    const err = await applyError(engine.apply([service(ns, 'None')], bed.applyOpts()));
    assert.equal(err.reason, 'Immutable');
    assert.equal(err.field, 'spec.clusterIPs[0]');
    assert.match(err.message, new RegExp(`^Service/${ns}/svc: field spec\\.clusterIPs\\[0\\] is immutable`));

    const before = await bed.client.patch(
      Res.Service,
      { name: 'svc', namespace: ns },
      { metadata: { annotations: { 'kustomize.toolkit.fluxcd.io/force': 'enabled' } } },
    );
    const entries = await engine.apply([service(ns, 'None')], bed.applyOpts());
    assert.equal(entries[0]?.action, 'created');
    const after = await bed.client.get<KubeObject<{ clusterIP: string }>>(Res.Service, 'svc', ns);
    assert.notEqual(after.metadata.uid, before.metadata.uid, 'a new Service');
    assert.equal(after.spec?.clusterIP, 'None');
  });
});
