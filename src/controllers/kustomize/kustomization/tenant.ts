// Which cluster and which identity a Kustomization is applied with: the controller's
// cluster or a remote one (spec.kubeConfig), as the controller or as a ServiceAccount
// (spec.serviceAccountName, else --default-service-account). Once impersonation is
// configured, nothing runs with the controller's own identity.
import type { Kustomization } from '../../../api/kustomize/kustomization.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import { KubeClient as Client } from '../../../runtime/client/client.js';
import { DiscoveryCache } from '../../../runtime/client/discovery.js';
import { isNotFound } from '../../../runtime/client/errors.js';
import { CoreResources } from '../../../runtime/client/resource.js';
import { transportFromKubeConfig } from '../../../runtime/client/transport.js';
import { StalledError, WaitError } from '../../../runtime/reconcile/errors.js';
import { Reason } from '../../../api/meta/conditions.js';
import { KubeConfigRefused, loadRemoteKubeConfig, type KubeConfigPolicy } from './remote-kubeconfig.js';

export interface ClusterAccess {
  readonly client: KubeClient;
  readonly discovery: DiscoveryCache;
  /** For messages: "the controller", "system:serviceaccount:ns:sa", "remote cluster from Secret ns/x as …". */
  readonly identity: string;
}

export interface TenancyOptions {
  /** The controller's client and discovery (local cluster, own identity). */
  readonly client: KubeClient;
  readonly discovery: DiscoveryCache;
  /** Flux: --default-service-account. */
  readonly defaultServiceAccount?: string | undefined;
  readonly kubeConfigPolicy?: KubeConfigPolicy;
  readonly qps: number;
  readonly burst: number;
  /** Wait before re-reading a missing kubeconfig Secret. */
  readonly retryMs: number;
}

interface RemoteCluster {
  readonly client: KubeClient;
  readonly discovery: DiscoveryCache;
}

const REMOTE_CACHE_LIMIT = 64;

export class Tenancy {
  readonly #opts: TenancyOptions;
  /** Remote clients by Secret identity and resourceVersion: a rotated kubeconfig gets a new one. */
  readonly #remotes = new Map<string, Promise<RemoteCluster>>();

  constructor(opts: TenancyOptions) {
    this.#opts = opts;
  }

  /** The identity a Kustomization is applied with; "" names are refused (fail closed). */
  serviceAccountOf(obj: Kustomization): string | undefined {
    const explicit = obj.spec?.serviceAccountName;
    if (explicit !== undefined) return explicit;
    if (obj.spec?.kubeConfig !== undefined) return undefined;
    return this.#opts.defaultServiceAccount;
  }

  async access(obj: Kustomization, signal: AbortSignal): Promise<ClusterAccess> {
    const namespace = obj.metadata.namespace ?? '';
    const sa = this.serviceAccountOf(obj);
    if (sa !== undefined && sa.trim() === '') {
      throw new StalledError(
        Reason.AccessDenied,
        'spec.serviceAccountName resolves to an empty name: set a ServiceAccount name (impersonation never falls back to the controller)',
      );
    }
    let base: RemoteCluster = { client: this.#opts.client, discovery: this.#opts.discovery };
    let where = 'the controller cluster';
    const ref = obj.spec?.kubeConfig;
    if (ref !== undefined) {
      if (ref.secretRef === undefined) {
        throw new StalledError(
          Reason.Failed,
          'spec.kubeConfig.configMapRef (secret-less workload identity) is not supported: use spec.kubeConfig.secretRef',
        );
      }
      base = await this.#remote(namespace, ref.secretRef.name, ref.secretRef.key, signal);
      where = `the cluster of Secret ${namespace}/${ref.secretRef.name}`;
    }
    if (sa === undefined) {
      return { ...base, identity: ref === undefined ? 'the controller' : `the kubeconfig user of ${where}` };
    }
    const user = `system:serviceaccount:${namespace}:${sa}`;
    return { client: base.client.impersonating(user), discovery: base.discovery, identity: user };
  }

  async #remote(
    namespace: string,
    name: string,
    key: string | undefined,
    signal: AbortSignal,
  ): Promise<RemoteCluster> {
    let secret: { metadata: { resourceVersion?: string }; data?: Record<string, string> };
    try {
      secret = await this.#opts.client.get(CoreResources.Secret, name, namespace, signal);
    } catch (err) {
      if (isNotFound(err)) {
        throw new WaitError(
          Reason.ReconciliationFailed,
          `spec.kubeConfig.secretRef: Secret ${namespace}/${name} not found`,
          this.#opts.retryMs,
        );
      }
      throw err;
    }
    const data = secret.data ?? {};
    const keys = key !== undefined ? [key] : ['value', 'value.yaml'];
    const found = keys.find((k) => data[k] !== undefined);
    if (found === undefined) {
      throw new StalledError(
        Reason.Failed,
        `spec.kubeConfig.secretRef: Secret ${namespace}/${name} has no key ${keys.map((k) => `'${k}'`).join(' or ')}`,
      );
    }
    const cacheKey = `${namespace}/${name}/${found}@${secret.metadata.resourceVersion ?? ''}`;
    let remote = this.#remotes.get(cacheKey);
    if (remote === undefined) {
      const text = Buffer.from(data[found] ?? '', 'base64').toString('utf8');
      remote = this.#connect(text, `spec.kubeConfig: Secret ${namespace}/${name} key '${found}'`);
      for (const k of this.#remotes.keys()) {
        if (k.startsWith(`${namespace}/${name}/`) || this.#remotes.size >= REMOTE_CACHE_LIMIT)
          this.#remotes.delete(k);
      }
      this.#remotes.set(cacheKey, remote);
      remote.catch(() => this.#remotes.delete(cacheKey));
    }
    return remote;
  }

  async #connect(text: string, where: string): Promise<RemoteCluster> {
    let kc;
    try {
      kc = loadRemoteKubeConfig(text, where, this.#opts.kubeConfigPolicy);
    } catch (err) {
      if (err instanceof KubeConfigRefused)
        throw new StalledError(Reason.Failed, err.message, { cause: err });
      throw err;
    }
    const client = new Client(await transportFromKubeConfig(kc), {
      qps: this.#opts.qps,
      burst: this.#opts.burst,
      userAgent: 'tide/kustomize-controller',
    });
    return { client, discovery: new DiscoveryCache(client) };
  }
}
