// Shared setup of the apply engine's integration tests: an admin client on the
// shared cluster, an engine factory, owner labels and object builders.
import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../../api/object.js';
import { connect, type KubeClient } from '../../runtime/client/index.js';
import { DiscoveryCache } from '../../runtime/client/discovery.js';
import type { ResourceType } from '../../runtime/client/resource.js';
import { useTestEnvironment, type TestEnvironment, type TestHooks } from '../../testenv/env.js';
import { ApplyEngine, type ApplyEngineOptions, type ApplySetOptions } from '../engine.js';

export const FIELD_MANAGER = 'kustomize-controller';
export const OWNER = {
  'kustomize.toolkit.fluxcd.io/name': 'apps',
  'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
};

export interface Testbed {
  readonly env: TestEnvironment;
  readonly client: KubeClient;
  readonly discovery: DiscoveryCache;
  engine(opts?: Partial<ApplyEngineOptions>): ApplyEngine;
  /** Apply options with a fresh 60 s signal. */
  applyOpts(opts?: Partial<ApplySetOptions>): ApplySetOptions;
  /** Creates a namespace deleted when the test ends. */
  namespace(t: TestHooks): Promise<string>;
}

export async function useTestbed(): Promise<Testbed> {
  const env = await useTestEnvironment();
  const client = await connect(env.kc);
  const discovery = new DiscoveryCache(client);
  return {
    env,
    client,
    discovery,
    engine: (opts = {}) => new ApplyEngine({ client, discovery, fieldManager: FIELD_MANAGER, ...opts }),
    applyOpts: (opts = {}) => ({
      force: false,
      signal: AbortSignal.timeout(60_000),
      stageTimeoutMs: 30_000,
      ...opts,
    }),
    namespace: (t) => env.createNamespace(t, 'apply'),
  };
}

export function suffix(): string {
  return randomBytes(3).toString('hex');
}

export const Res = {
  ConfigMap: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  Secret: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  Service: { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
  Namespace: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  Deployment: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  Job: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true },
  CRD: {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
  },
  VAP: {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'validatingadmissionpolicies',
    kind: 'ValidatingAdmissionPolicy',
    namespaced: false,
  },
  VAPBinding: {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'validatingadmissionpolicybindings',
    kind: 'ValidatingAdmissionPolicyBinding',
    namespaced: false,
  },
} as const satisfies Record<string, ResourceType>;

interface MetaExtras {
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export function configMap(
  namespace: string,
  name: string,
  data: Record<string, string>,
  extra: MetaExtras = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: { ...OWNER, ...extra.labels }, annotations: extra.annotations },
    data,
  } as KubeObject;
}

export function deployment(namespace: string, name: string, app: string, extra: MetaExtras = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { ...OWNER, ...extra.labels }, annotations: extra.annotations },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app } },
        spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
      },
    },
  };
}

/** Deletes a cluster-scoped object when the test ends. */
export function deleteAfter(t: TestHooks, client: KubeClient, res: ResourceType, name: string): void {
  t.after(() => client.delete(res, { name }).catch(() => undefined));
}

export async function getOrUndefined<T extends KubeObject>(
  client: KubeClient,
  res: ResourceType,
  name: string,
  namespace?: string,
): Promise<T | undefined> {
  try {
    return await client.get<T>(res, name, namespace);
  } catch (err) {
    if ((err as { status?: number }).status === 404) return undefined;
    throw err;
  }
}
