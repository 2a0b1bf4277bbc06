// ServiceAccounts, cluster roles and bindings as Flux installs them. Cluster-scoped
// names end in `-<namespace>` (Flux's nameSuffix) so two installations in two
// namespaces never share or delete each other's roles.
import { commonLabels, componentLabels } from './labels.js';
import type { Manifest } from './manifest.js';
import type { Component, InstallOptions } from './options.js';

/** Every API group of the Flux API; the controller role and the aggregated roles cover them all. */
export const FLUX_GROUPS = [
  'source.toolkit.fluxcd.io',
  'source.extensions.fluxcd.io',
  'kustomize.toolkit.fluxcd.io',
  'helm.toolkit.fluxcd.io',
  'notification.toolkit.fluxcd.io',
  'image.toolkit.fluxcd.io',
] as const;

const RBAC = 'rbac.authorization.k8s.io';
const ALL_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

export function serviceAccount(component: Component, opts: InstallOptions): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: component, namespace: opts.namespace, labels: componentLabels(opts, component) },
  };
}

/** What every controller needs: its own kinds (with status and finalizers), reads, events, leases. */
function controllerRules(): Record<string, unknown>[] {
  return [
    // `*` covers the status and finalizers subresources.
    ...FLUX_GROUPS.map((group) => ({ apiGroups: [group], resources: ['*'], verbs: ['*'] })),
    // Sources' credentials, substitution values, impersonation targets.
    {
      apiGroups: [''],
      resources: ['namespaces', 'secrets', 'configmaps', 'serviceaccounts'],
      verbs: ['get', 'list', 'watch'],
    },
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ALL_VERBS },
    // Object-level workload identity (Flux 2.6+): tokens for the objects' ServiceAccounts.
    { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
    // API priority and fairness probes the client makes.
    { nonResourceURLs: ['/livez/ping'], verbs: ['head'] },
  ];
}

function clusterRole(name: string, opts: InstallOptions, rest: Record<string, unknown>): Manifest {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name: `${name}-${opts.namespace}`, labels: commonLabels(opts) },
    ...rest,
  };
}

function clusterRoleBinding(
  name: string,
  role: string,
  subjects: readonly Component[],
  opts: InstallOptions,
): Manifest {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: `${name}-${opts.namespace}`, labels: commonLabels(opts) },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
    subjects: subjects.map((s) => ({ kind: 'ServiceAccount', name: s, namespace: opts.namespace })),
  };
}

/**
 * flux-edit and flux-view aggregate into the built-in edit/admin/view roles, so a
 * namespace's editors can manage its Flux objects without extra bindings.
 */
function aggregatedRoles(opts: InstallOptions): Manifest[] {
  const aggregate = (roles: readonly string[]): Record<string, string> =>
    Object.fromEntries(roles.map((r) => [`rbac.authorization.k8s.io/aggregate-to-${r}`, 'true']));
  const edit = clusterRole('flux-edit', opts, {
    rules: [
      {
        apiGroups: [...FLUX_GROUPS],
        resources: ['*'],
        verbs: ['create', 'delete', 'deletecollection', 'patch', 'update'],
      },
    ],
  });
  const view = clusterRole('flux-view', opts, {
    rules: [{ apiGroups: [...FLUX_GROUPS], resources: ['*'], verbs: ['get', 'list', 'watch'] }],
  });
  edit.metadata.labels = { ...edit.metadata.labels, ...aggregate(['edit', 'admin']) };
  view.metadata.labels = { ...view.metadata.labels, ...aggregate(['view', 'edit', 'admin']) };
  return [edit, view];
}

/** The cluster-scoped RBAC of an installation, in apply order (roles before bindings). */
export function clusterRbac(opts: InstallOptions): Manifest[] {
  const crdController = `crd-controller-${opts.namespace}`;
  const objects: Manifest[] = [
    clusterRole('crd-controller', opts, { rules: controllerRules() }),
    ...aggregatedRoles(opts),
    clusterRoleBinding('crd-controller', crdController, opts.components, opts),
  ];
  // The kustomize controller applies whatever its sources hold: cluster-admin, unless a
  // Kustomization names a ServiceAccount to impersonate.
  if (opts.components.includes('kustomize-controller')) {
    objects.push(clusterRoleBinding('cluster-reconciler', 'cluster-admin', ['kustomize-controller'], opts));
  }
  return objects;
}

/**
 * Pods of the system-*-critical priority classes are only admitted outside
 * kube-system where a quota names those classes (GKE and others configure the
 * API server so), hence Flux's quota.
 */
export function criticalPodsQuota(opts: InstallOptions): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: {
      name: `critical-pods-${opts.namespace}`,
      namespace: opts.namespace,
      labels: commonLabels(opts),
    },
    spec: {
      hard: { pods: '1000' },
      scopeSelector: {
        matchExpressions: [
          {
            operator: 'In',
            scopeName: 'PriorityClass',
            values: ['system-node-critical', 'system-cluster-critical'],
          },
        ],
      },
    },
  };
}
