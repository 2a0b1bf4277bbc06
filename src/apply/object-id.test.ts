import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { objectId, objMetadataOf, parseObjectId, subjectOf, type ObjMetadata } from './object-id.js';

describe('object ids', () => {
  const cases: { name: string; meta: ObjMetadata; id: string; subject: string }[] = [
    {
      name: 'core namespaced',
      meta: { namespace: 'default', name: 'podinfo', group: '', kind: 'Service' },
      id: 'default_podinfo__Service',
      subject: 'Service/default/podinfo',
    },
    {
      name: 'grouped namespaced',
      meta: { namespace: 'default', name: 'podinfo', group: 'apps', kind: 'Deployment' },
      id: 'default_podinfo_apps_Deployment',
      subject: 'Deployment/default/podinfo',
    },
    {
      name: 'cluster-scoped core',
      meta: { namespace: '', name: 'podinfo-ns', group: '', kind: 'Namespace' },
      id: '_podinfo-ns__Namespace',
      subject: 'Namespace/podinfo-ns',
    },
    {
      name: 'RBAC name with colons',
      meta: {
        namespace: '',
        name: 'system:foo:bar',
        group: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
      },
      id: '_system__foo__bar_rbac.authorization.k8s.io_ClusterRole',
      subject: 'ClusterRole/system:foo:bar',
    },
    {
      name: 'dotted names and groups',
      meta: { namespace: 'ns-1', name: 'a.b.c', group: 'example.com', kind: 'Widget' },
      id: 'ns-1_a.b.c_example.com_Widget',
      subject: 'Widget/ns-1/a.b.c',
    },
  ];
  for (const c of cases) {
    it(`formats, parses and round-trips: ${c.name}`, () => {
      assert.equal(objectId(c.meta), c.id);
      assert.deepEqual(parseObjectId(c.id), c.meta);
      assert.equal(objectId(parseObjectId(c.id)), c.id);
      assert.equal(subjectOf(c.meta), c.subject);
    });
  }

  for (const bad of ['', 'nounderscores', 'a_b', '_name_', 'ns__group_', 'ns_a_b_c_group_Kind']) {
    it(`rejects malformed id ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseObjectId(bad), /malformed inventory id/);
    });
  }

  it('takes the group from apiVersion and the namespace from metadata', () => {
    assert.deepEqual(
      objMetadataOf({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'prod' },
      }),
      { namespace: 'prod', name: 'web', group: 'apps', kind: 'Deployment' },
    );
    assert.deepEqual(objMetadataOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } }), {
      namespace: '',
      name: 'prod',
      group: '',
      kind: 'Namespace',
    });
  });
});
