// Flux's network policies: pods of the namespace talk to each other (the kustomize
// controller fetches artifacts from the source controller) and go anywhere out;
// from other namespaces only metrics scraping comes in. Flux's third policy,
// allow-webhooks, opens the notification controller's receiver: Tide keeps the
// name for when it has one.
import { commonLabels } from './labels.js';
import type { Manifest } from './manifest.js';
import type { InstallOptions } from './options.js';
import { PORTS } from './workloads.js';

function policy(name: string, opts: InstallOptions, spec: Record<string, unknown>): Manifest {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: opts.namespace, labels: commonLabels(opts) },
    spec,
  };
}

export function networkPolicies(opts: InstallOptions): Manifest[] {
  return [
    policy('allow-egress', opts, {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{}],
    }),
    policy('allow-scraping', opts, {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: PORTS.metrics }] }],
    }),
  ];
}
