import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ObjMetadata } from './object-id.js';
import { compareApplyOrder, planStages, Stage, stageOf } from './stages.js';

const m = (kind: string, group = '', name = 'x', namespace = ''): ObjMetadata => ({
  kind,
  group,
  name,
  namespace,
});

describe('stages', () => {
  const table: [ObjMetadata, Stage][] = [
    [m('CustomResourceDefinition', 'apiextensions.k8s.io'), Stage.ClusterDefinitions],
    [m('Namespace'), Stage.ClusterDefinitions],
    [m('ClusterRole', 'rbac.authorization.k8s.io'), Stage.ClusterDefinitions],
    [m('Namespace', 'example.com'), Stage.Rest],
    [m('ClusterRoleBinding', 'rbac.authorization.k8s.io'), Stage.Rest],
    [m('StorageClass', 'storage.k8s.io'), Stage.Classes],
    [m('IngressClass', 'networking.k8s.io'), Stage.Classes],
    [m('PriorityClass', 'scheduling.k8s.io'), Stage.Classes],
    [m('Role', 'rbac.authorization.k8s.io'), Stage.Custom],
    [m('Role', 'example.com'), Stage.Rest],
    [m('Widget', 'example.com'), Stage.Custom],
    [m('Deployment', 'apps'), Stage.Rest],
  ];
  for (const [meta, stage] of table) {
    it(`puts ${meta.group}/${meta.kind} in stage ${stage}`, () => {
      assert.equal(stageOf(meta, ['rbac.authorization.k8s.io/Role', 'Widget']), stage);
    });
  }

  it('orders by kind rank, then group and kind, then namespace and name', () => {
    const items = [
      m('Deployment', 'apps', 'b', 'ns'),
      m('Widget', 'example.com', 'w', 'ns'),
      m('ValidatingWebhookConfiguration', 'admissionregistration.k8s.io', 'v'),
      m('ConfigMap', '', 'a', 'ns'),
      m('Deployment', 'apps', 'a', 'ns'),
      m('Service', '', 's', 'ns'),
      m('ServiceAccount', '', 'sa', 'ns'),
      m('Gadget', 'example.com', 'g', 'ns'),
      m('Deployment', 'apps', 'a', 'another'),
    ];
    const sorted = [...items].sort(compareApplyOrder).map((x) => `${x.kind}/${x.namespace}/${x.name}`);
    assert.deepEqual(sorted, [
      'ServiceAccount/ns/sa',
      'ConfigMap/ns/a',
      'Service/ns/s',
      'Deployment/another/a',
      'Deployment/ns/a',
      'Deployment/ns/b',
      'Gadget/ns/g',
      'Widget/ns/w',
      'ValidatingWebhookConfiguration//v',
    ]);
  });

  it('plans stages in order and leaves empty ones out', () => {
    const plan = planStages(
      [
        m('Deployment', 'apps'),
        m('Namespace', '', 'b'),
        m('CustomResourceDefinition', 'apiextensions.k8s.io'),
        m('Namespace', '', 'a'),
      ],
      (x) => x,
    );
    assert.deepEqual(
      plan.map((s) => [s.stage, s.items.map((i) => `${i.kind}/${i.name}`)]),
      [
        [Stage.ClusterDefinitions, ['CustomResourceDefinition/x', 'Namespace/a', 'Namespace/b']],
        [Stage.Rest, ['Deployment/x']],
      ],
    );
  });
});
