// The objects that point Tide at the demo repository: the git credentials (user,
// password and the server's CA), a GitRepository and a Kustomization, all in the
// namespace Flux users expect (flux-system).
import { apiVersionOf } from '../api/crd.js';
import { KustomizationKind, type Kustomization } from '../api/kustomize/kustomization.js';
import type { KubeObject } from '../api/object.js';
import { GitRepositoryKind, type GitRepository } from '../api/source/gitrepository.js';
import { DEMO_PATH } from './files.js';

export const DEMO_NAME = 'demo';
export const DEMO_SECRET = 'demo-git';

export interface DemoObjectsOptions {
  readonly namespace: string;
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly caPem: string;
}

const labels = { 'app.kubernetes.io/part-of': 'tide-demo' };

export function demoObjects(opts: DemoObjectsOptions): [KubeObject, GitRepository, Kustomization] {
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: DEMO_SECRET, namespace: opts.namespace, labels },
    type: 'Opaque',
    stringData: { username: opts.username, password: opts.password, 'ca.crt': opts.caPem },
  } as KubeObject;
  const source: GitRepository = {
    apiVersion: apiVersionOf(GitRepositoryKind),
    kind: GitRepositoryKind.kind,
    metadata: { name: DEMO_NAME, namespace: opts.namespace, labels },
    spec: {
      url: opts.url,
      ref: { branch: 'main' },
      interval: '1m',
      secretRef: { name: DEMO_SECRET },
    },
  };
  const kustomization: Kustomization = {
    apiVersion: apiVersionOf(KustomizationKind),
    kind: KustomizationKind.kind,
    metadata: { name: DEMO_NAME, namespace: opts.namespace, labels },
    spec: {
      interval: '10m',
      retryInterval: '30s',
      timeout: '2m',
      path: DEMO_PATH,
      prune: true,
      wait: true,
      sourceRef: { kind: GitRepositoryKind.kind, name: DEMO_NAME },
    },
  };
  return [secret, source, kustomization];
}
