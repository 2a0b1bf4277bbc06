// Where the kinds of an installation live on the API server.
import type { ResourceType } from '../runtime/client/resource.js';

const core = (kind: string, plural: string, namespaced = true): ResourceType => ({
  group: '',
  version: 'v1',
  plural,
  kind,
  namespaced,
});

export const InstallResources = {
  Namespace: core('Namespace', 'namespaces', false),
  ResourceQuota: core('ResourceQuota', 'resourcequotas'),
  ServiceAccount: core('ServiceAccount', 'serviceaccounts'),
  Service: core('Service', 'services'),
  CustomResourceDefinition: {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
  },
  ClusterRole: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterroles',
    kind: 'ClusterRole',
    namespaced: false,
  },
  ClusterRoleBinding: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  },
  NetworkPolicy: {
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'networkpolicies',
    kind: 'NetworkPolicy',
    namespaced: true,
  },
  Deployment: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
} as const satisfies Record<string, ResourceType>;

export type InstallKind = keyof typeof InstallResources;

export function resourceOfKind(kind: string): ResourceType {
  const res = (InstallResources as Record<string, ResourceType | undefined>)[kind];
  if (res === undefined)
    throw new Error(`the install manifests hold a ${kind}, which has no resource mapping`);
  return res;
}
