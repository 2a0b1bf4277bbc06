// The integration-test environment, like controller-runtime's envtest: one
// real local cluster per test run, a fresh namespace per test, typed clients.
//
// The test runner (scripts/test.ts) starts the shared cluster and passes its
// kubeconfig in TIDE_TEST_KUBECONFIG; a test file run on its own starts a
// cluster for its process instead.
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { ensureBinary } from '../localcluster/binary.js';
import { startLocalCluster, type LocalCluster } from '../localcluster/cluster.js';
import { defaultCacheDir } from '../localcluster/defaults.js';
import { eventually } from './eventually.js';
import { kubeRequest } from './kube-request.js';

/** The part of node:test's TestContext the environment needs. */
export interface TestHooks {
  after(fn: () => unknown): void;
}

export interface TestEnvironment {
  readonly kubeconfigPath: string;
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly rbac: RbacAuthorizationV1Api;
  readonly apiextensions: ApiextensionsV1Api;
  readonly objects: KubernetesObjectApi;
  /** Creates a namespace that is deleted when the test ends. */
  createNamespace(t: TestHooks, prefix?: string): Promise<string>;
  /** Applies every CRD in dir (YAML files) and waits until each is Established. */
  installCRDs(dir: string): Promise<string[]>;
}

export const kubeconfigEnvVar = 'TIDE_TEST_KUBECONFIG';

let shared: Promise<TestEnvironment> | undefined;

/** Returns the process-wide test environment, starting a cluster if none was given. */
export function useTestEnvironment(): Promise<TestEnvironment> {
  shared ??= connect();
  return shared;
}

async function connect(): Promise<TestEnvironment> {
  let kubeconfigPath = process.env[kubeconfigEnvVar];
  if (kubeconfigPath === undefined || kubeconfigPath === '') {
    const cluster = await startOwnCluster();
    kubeconfigPath = cluster.kubeconfig;
  }
  return newTestEnvironment(kubeconfigPath);
}

async function startOwnCluster(): Promise<LocalCluster> {
  const binary = await ensureBinary({ cacheDir: defaultCacheDir(process.env) });
  return startLocalCluster({ binary: binary.path });
}

export function newTestEnvironment(kubeconfigPath: string): TestEnvironment {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const apiextensions = kc.makeApiClient(ApiextensionsV1Api);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  return {
    kubeconfigPath,
    kc,
    core,
    apps: kc.makeApiClient(AppsV1Api),
    rbac: kc.makeApiClient(RbacAuthorizationV1Api),
    apiextensions,
    objects,
    async createNamespace(t, prefix = 'test') {
      const name = `${prefix}-${randomBytes(4).toString('hex')}`;
      await core.createNamespace({ body: { metadata: { name, labels: { 'tide.dev/test': 'true' } } } });
      t.after(() => core.deleteNamespace({ name }).catch(() => undefined));
      return name;
    },
    async installCRDs(dir) {
      const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
      const names: string[] = [];
      for (const file of files) {
        for (const doc of parseAllDocuments(await readFile(path.join(dir, file), 'utf8'))) {
          const crd = doc.toJS() as KubernetesObject | null;
          if (crd?.kind !== 'CustomResourceDefinition') continue;
          // Raw JSON: client-node's model serializer drops x-kubernetes-* keys, enums and defaults.
          const res = await kubeRequest(kc, {
            method: 'PATCH',
            path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata?.name ?? ''}?fieldManager=tide-testenv&force=true`,
            headers: { 'Content-Type': 'application/apply-patch+yaml' },
            body: crd,
          });
          if (res.status >= 300) {
            throw new Error(`installing ${file}: ${res.status} ${JSON.stringify(res.body).slice(0, 2000)}`);
          }
          names.push(crd.metadata?.name ?? '');
        }
      }
      await Promise.all(names.map((name) => waitEstablished(apiextensions, name)));
      return names;
    },
  };
}

async function waitEstablished(api: ApiextensionsV1Api, name: string): Promise<void> {
  await eventually(
    async () => {
      const crd = await api.readCustomResourceDefinition({ name });
      const established = crd.status?.conditions?.find((c) => c.type === 'Established');
      if (established?.status !== 'True') throw new Error(`CRD ${name} is not Established yet`);
    },
    { timeoutMs: 30_000, message: `waiting for CRD ${name}` },
  );
}
