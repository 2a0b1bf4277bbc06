// The controller Deployments and the source-controller Service, in the shape of
// Flux's (same names, ports, probes, security context and resources) so that
// dashboards, network policies and habits written for Flux keep working.
import { COMPONENT_SPECS, type ComponentSpec } from './components.js';
import { COMPONENT_LABEL, INSTANCE_LABEL, PART_OF, PART_OF_LABEL, componentLabels } from './labels.js';
import type { Manifest } from './manifest.js';
import { imageOf, type Component, type InstallOptions } from './options.js';

/** The uid and gid of the image's `tide` user (see the Dockerfile). */
export const RUN_AS_ID = 65532;

export const PORTS = { metrics: 8080, health: 9440, artifacts: 9090 } as const;

/** The arguments `tide controller` gets: Flux's flags for the component. */
export function controllerArgs(spec: ComponentSpec, opts: InstallOptions): string[] {
  const args = [
    'controller',
    `--controllers=${spec.controller}`,
    `--watch-all-namespaces=${String(opts.watchAllNamespaces)}`,
    `--log-level=${opts.logLevel}`,
    '--log-encoding=json',
    '--enable-leader-election',
  ];
  if (spec.servesArtifacts) {
    args.push(
      '--storage-path=/data',
      // The kubelet expands $(RUNTIME_NAMESPACE) from the container's env.
      `--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.${opts.clusterDomain}.`,
    );
  }
  return args;
}

function ports(spec: ComponentSpec): Record<string, unknown>[] {
  return [
    ...(spec.servesArtifacts ? [{ containerPort: PORTS.artifacts, name: 'http', protocol: 'TCP' }] : []),
    { containerPort: PORTS.metrics, name: 'http-prom', protocol: 'TCP' },
    { containerPort: PORTS.health, name: 'healthz', protocol: 'TCP' },
  ];
}

function volumes(spec: ComponentSpec): {
  mounts: Record<string, unknown>[];
  volumes: Record<string, unknown>[];
} {
  // The root filesystem is read-only: artifacts go to /data, clones, builds and caches to /tmp.
  const names = spec.servesArtifacts ? ['data', 'tmp'] : ['tmp'];
  return {
    mounts: names.map((name) => ({ name, mountPath: `/${name}` })),
    volumes: names.map((name) => ({ name, emptyDir: {} })),
  };
}

function podSpecExtras(opts: InstallOptions): Record<string, unknown> {
  return {
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    ...(opts.imagePullSecret === undefined ? {} : { imagePullSecrets: [{ name: opts.imagePullSecret }] }),
    ...(opts.tolerationKeys.length === 0
      ? {}
      : { tolerations: opts.tolerationKeys.map((key) => ({ key, operator: 'Exists' })) }),
  };
}

export function deployment(component: Component, opts: InstallOptions): Manifest {
  const spec = COMPONENT_SPECS[component];
  const vols = volumes(spec);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: component,
      namespace: opts.namespace,
      labels: { ...componentLabels(opts, component), 'control-plane': 'controller' },
    },
    spec: {
      replicas: 1,
      // The selector is immutable: only the label that never changes between versions.
      selector: { matchLabels: { app: component } },
      ...(spec.servesArtifacts ? { strategy: { type: 'Recreate' } } : {}),
      template: {
        metadata: {
          labels: {
            app: component,
            [COMPONENT_LABEL]: component,
            [INSTANCE_LABEL]: opts.namespace,
            [PART_OF_LABEL]: PART_OF,
          },
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(PORTS.metrics) },
        },
        spec: {
          serviceAccountName: component,
          priorityClassName: 'system-cluster-critical',
          terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS_ID,
            runAsGroup: RUN_AS_ID,
            fsGroup: RUN_AS_ID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...podSpecExtras(opts),
          containers: [
            {
              name: 'manager',
              image: imageOf(opts),
              imagePullPolicy: 'IfNotPresent',
              args: controllerArgs(spec, opts),
              env: [
                { name: 'RUNTIME_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              ],
              ports: ports(spec),
              livenessProbe: { httpGet: { path: '/healthz', port: 'healthz' } },
              readinessProbe: { httpGet: { path: '/readyz', port: 'healthz' } },
              resources: { limits: { ...spec.limits }, requests: { ...spec.requests } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: vols.mounts,
            },
          ],
          volumes: vols.volumes,
        },
      },
    },
  };
}

/** Port 80 → the artifact server, so artifact URLs need no port. */
export function artifactService(opts: InstallOptions): Manifest {
  const component: Component = 'source-controller';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: component,
      namespace: opts.namespace,
      labels: { ...componentLabels(opts, component), 'control-plane': 'controller' },
    },
    spec: {
      type: 'ClusterIP',
      selector: { app: component },
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }],
    },
  };
}
