// Failures: Secret values never appear in errors, a tenant without rights gets
// Forbidden, an API server dropping connections mid-apply gives Unavailable and
// nothing is deleted, unknown kinds and missing namespaces fail before any write.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { KubeClient, transportFromKubeConfig, type RequestOptions } from '../runtime/client/index.js';
import { DiscoveryCache } from '../runtime/client/discovery.js';
import { eventually } from '../testenv/eventually.js';
import { ApplyEngine, ApplyError } from './engine.js';
import {
  configMap,
  deleteAfter,
  FIELD_MANAGER,
  getOrUndefined,
  OWNER,
  Res,
  suffix,
  useTestbed,
} from './testdata/testbed.js';

const bed = await useTestbed();

async function applyError(p: Promise<unknown>): Promise<ApplyError> {
  const err = await p.then(
    () => assert.fail('apply succeeded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApplyError, `ApplyError, got ${String(err)}`);
  return err;
}

function secret(namespace: string, name: string, data: Record<string, string>, labels = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { ...OWNER, ...labels } },
    data,
  } as KubeObject;
}

/** A client whose connection resets after `failAfter` requests; records every method. */
class FlakyClient extends KubeClient {
  readonly methods: string[] = [];
  constructor(
    transport: ConstructorParameters<typeof KubeClient>[0],
    private readonly failAfter: number,
  ) {
    super(transport, { qps: 1000, burst: 1000 });
  }
  override async request(opts: RequestOptions): Promise<unknown> {
    this.methods.push(opts.method ?? 'GET');
    if (this.methods.length > this.failAfter) {
      throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    }
    return super.request(opts);
  }
}

describe('apply errors', () => {
  it('never shows the value of a Secret the server cannot decode', async (t) => {
    const ns = await bed.namespace(t);
    const canary = `not-base64!!CANARY${suffix()}`;
    const err = await applyError(
      bed.engine().apply([secret(ns, 'creds', { token: canary })], bed.applyOpts()),
    );
    assert.equal(err.reason, 'Invalid');
    assert.equal(err.subject, `Secret/${ns}/creds`);
    assert.match(err.message, new RegExp(`^Secret/${ns}/creds dry-run failed \\(Invalid\\): .*base64`));
    assert.ok(!err.message.includes('CANARY'), `value leaked: ${err.message}`);
  });

  it('masks Secret values an admission policy echoes in its denial', async (t) => {
    const ns = await bed.namespace(t);
    const id = suffix();
    const label = `tide-echo-${id}`;
    const policy = `tide-apply-echo-${id}`;
    deleteAfter(t, bed.client, Res.VAPBinding, policy);
    deleteAfter(t, bed.client, Res.VAP, policy);
    await bed.client.create(Res.VAP, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: policy },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: [''],
              apiVersions: ['v1'],
              operations: ['CREATE', 'UPDATE'],
              resources: ['secrets'],
            },
          ],
        },
        validations: [
          { expression: 'false', messageExpression: "'secret rejected, value ' + string(object.data.token)" },
        ],
      },
    });
    await bed.client.create(Res.VAPBinding, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: policy },
      spec: {
        policyName: policy,
        validationActions: ['Deny'],
        matchResources: {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
          objectSelector: { matchLabels: { [label]: 'true' } },
        },
      },
    });
    const probe = secret(
      ns,
      'probe',
      { token: Buffer.from('probe-value').toString('base64') },
      { [label]: 'true' },
    );
    await eventually(
      async () => {
        const denied = await bed.client
          .apply(Res.Secret, probe, { fieldManager: 'probe', dryRun: true })
          .then(
            () => false,
            (e: unknown) => e instanceof Error && e.message.includes('secret rejected, value '),
          );
        assert.ok(denied, 'policy not active yet');
      },
      { timeoutMs: 30_000, message: 'waiting for the admission policy' },
    );

    // The policy sees data as written (base64) and echoes it.
    const canary = `CANARY-${suffix()}-value`;
    const encoded = Buffer.from(canary).toString('base64');
    const err = await applyError(
      bed.engine().apply([secret(ns, 'creds', { token: encoded }, { [label]: 'true' })], bed.applyOpts()),
    );
    assert.equal(err.subject, `Secret/${ns}/creds`);
    assert.match(err.message, /secret rejected, value \*\*\*/);
    assert.ok(
      !err.message.includes(canary) && !err.message.includes(encoded),
      `value leaked: ${err.message}`,
    );
  });

  it('a tenant without rights gets Forbidden naming the object and the user; nothing is created', async (t) => {
    const ns = await bed.namespace(t);
    const user = `system:serviceaccount:${ns}:tenant`;
    const tenant = bed.client.impersonating(user);
    const engine = new ApplyEngine({
      client: tenant,
      discovery: new DiscoveryCache(tenant),
      fieldManager: FIELD_MANAGER,
    });
    const err = await applyError(engine.apply([configMap(ns, 'cm', { a: 'b' })], bed.applyOpts()));
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.subject, `ConfigMap/${ns}/cm`);
    assert.ok(err.message.startsWith(`ConfigMap/${ns}/cm dry-run failed (Forbidden): `), err.message);
    assert.ok(err.message.includes(`User "${user}"`), err.message);
    assert.equal(await getOrUndefined(bed.client, Res.ConfigMap, 'cm', ns), undefined, 'nothing created');
  });

  it('an API server dropping connections mid-apply gives Unavailable and deletes nothing', async (t) => {
    const ns = await bed.namespace(t);
    const existing = await bed.client.create(Res.ConfigMap, configMap(ns, 'existing', { v: '1' }));
    // Five dry runs, then three applies, then the connection resets.
    const flaky = new FlakyClient(await transportFromKubeConfig(bed.env.kc), 5 + 3);
    await bed.discovery.get();
    const engine = new ApplyEngine({
      client: flaky,
      discovery: bed.discovery,
      fieldManager: FIELD_MANAGER,
      concurrency: 1,
    });
    const objects = ['c1', 'c2', 'c3', 'existing', 'c4'].map((name) => configMap(ns, name, { v: '2' }));
    const err = await applyError(engine.apply(objects, bed.applyOpts({ force: true })));
    assert.equal(err.reason, 'Unavailable');
    assert.match(
      err.message,
      new RegExp(`^ConfigMap/${ns}/\\S+ apply failed: the API server is unavailable: read ECONNRESET`),
    );
    assert.ok(!flaky.methods.includes('DELETE'), `requests: ${flaky.methods.join(' ')}`);
    const still = await bed.client.get(Res.ConfigMap, 'existing', ns);
    assert.equal(still.metadata.uid, existing.metadata.uid, 'the existing object was not deleted');
  });

  it('an unknown kind fails before anything is written', async (t) => {
    const ns = await bed.namespace(t);
    const group = `nothing${suffix()}.tide.dev`;
    const thing = {
      apiVersion: `${group}/v1`,
      kind: 'Thing',
      metadata: { name: 't', namespace: ns },
    } as KubeObject;
    const err = await applyError(
      bed.engine().apply([configMap(ns, 'cm', { a: 'b' }), thing], bed.applyOpts()),
    );
    assert.equal(err.reason, 'NotFound');
    assert.equal(
      err.message,
      `Thing/${ns}/t: no matches for kind Thing in group ${group}: install its CRD first or add it to this source`,
    );
    assert.equal(await getOrUndefined(bed.client, Res.ConfigMap, 'cm', ns), undefined, 'nothing written');
  });

  it('a namespaced object without a namespace fails naming it', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'orphan' }, data: {} } as KubeObject;
    const err = await applyError(bed.engine().apply([cm], bed.applyOpts()));
    assert.equal(err.reason, 'Invalid');
    assert.equal(err.subject, 'ConfigMap/orphan');
    assert.match(
      err.message,
      /^ConfigMap\/orphan: ConfigMap is namespaced but the object has no metadata\.namespace/,
    );
  });

  it('a canceled apply fails as canceled and writes nothing', async (t) => {
    const ns = await bed.namespace(t);
    const controller = new AbortController();
    controller.abort(new Error('reconcile timed out'));
    const err = await applyError(
      bed.engine().apply([configMap(ns, 'cm', { a: 'b' })], bed.applyOpts({ signal: controller.signal })),
    );
    assert.equal(err.reason, 'Failed');
    assert.match(err.message, /apply canceled: Error: reconcile timed out/);
    assert.equal(await getOrUndefined(bed.client, Res.ConfigMap, 'cm', ns), undefined, 'nothing written');
  });
});
