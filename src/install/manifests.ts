// The whole installation as plain objects: a pure function of the options, used by
// `tide install` (apply or --export), by the committed deploy/ base and by tests.
import { toCrd } from '../api/crd.js';
import { COMPONENT_SPECS } from './components.js';
import { commonLabels, componentLabels } from './labels.js';
import type { Manifest } from './manifest.js';
import { networkPolicies } from './network.js';
import type { InstallOptions } from './options.js';
import { clusterRbac, criticalPodsQuota, serviceAccount } from './rbac.js';
import { artifactService, deployment } from './workloads.js';

export function namespaceObject(opts: InstallOptions): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: opts.namespace,
      labels: {
        ...commonLabels(opts),
        // The controllers meet the restricted Pod Security Standard; so must anything else here.
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
      },
    },
  };
}

/** The CRDs of the selected components, labelled like the rest of the installation. */
export function crds(opts: InstallOptions): Manifest[] {
  return opts.components.flatMap((component) =>
    COMPONENT_SPECS[component].kinds.map((kind) => {
      const crd = toCrd(kind) as Manifest;
      return {
        ...crd,
        metadata: {
          ...crd.metadata,
          labels: { ...componentLabels(opts, component), ...crd.metadata.labels },
        },
      };
    }),
  );
}

/**
 * Every object, in the order they are applied and exported: the namespace, CRDs,
 * identities and RBAC, the network policies, then the workloads.
 */
export function generateManifests(opts: InstallOptions): Manifest[] {
  return [
    namespaceObject(opts),
    criticalPodsQuota(opts),
    ...crds(opts),
    ...opts.components.map((c) => serviceAccount(c, opts)),
    ...clusterRbac(opts),
    ...(opts.networkPolicy ? networkPolicies(opts) : []),
    ...(opts.components.includes('source-controller') ? [artifactService(opts)] : []),
    ...opts.components.map((c) => deployment(c, opts)),
  ];
}
