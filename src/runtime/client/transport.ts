// HTTPS transport to the API server built from a kubeconfig: TLS material resolved
// once, one keep-alive agent shared by every request, credentials (bearer tokens from
// files or exec plugins, which expire) re-resolved every minute. A client certificate
// that changes on a refresh (exec plugins may issue short-lived ones) gets a new agent.
import https from 'node:https';
import {
  loadDefaultKubeConfig,
  loadKubeConfigFromFile,
  type KubeConfigSource,
  type ResolvedKubeConfig,
} from './kubeconfig.js';

export type { KubeConfigSource } from './kubeconfig.js';

export interface Transport {
  readonly server: URL;
  /** The agent for the next request; replaced when the client certificate changes. */
  readonly agent: https.Agent;
  /** Authentication headers, current as of the last refresh. */
  headers(): Promise<Readonly<Record<string, string>>>;
}

const CREDENTIAL_REFRESH_MS = 60_000;

export async function transportFromKubeConfig(kc: KubeConfigSource): Promise<Transport> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster: set current-context');
  const server = new URL(cluster.server);
  if (server.protocol !== 'https:')
    throw new Error(
      `the kubeconfig's server ${server.origin} is not https://: Tide talks to the API server over TLS only`,
    );
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  let current = headersOf(options);
  let agent = agentFor(options);
  let clientCert = { cert: options.cert, key: options.key };
  let resolvedAt = Date.now();
  let refreshing: Promise<void> | undefined;
  const refresh = async (): Promise<void> => {
    const fresh: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(fresh);
    current = headersOf(fresh);
    if (!sameMaterial(fresh.cert, clientCert.cert) || !sameMaterial(fresh.key, clientCert.key)) {
      // Requests already sent (watches) keep the old agent's connections until they end.
      agent = agentFor({ ...options, cert: fresh.cert, key: fresh.key });
      clientCert = { cert: fresh.cert, key: fresh.key };
    }
    resolvedAt = Date.now();
  };
  return {
    server,
    get agent() {
      return agent;
    },
    async headers() {
      if (Date.now() - resolvedAt > CREDENTIAL_REFRESH_MS) {
        refreshing ??= refresh().finally(() => (refreshing = undefined));
        await refreshing;
      }
      return current;
    },
  };
}

function agentFor(options: https.RequestOptions): https.Agent {
  return new https.Agent({
    keepAlive: true,
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    servername: options.servername,
  });
}

type Material = https.RequestOptions['cert'] | https.RequestOptions['key'];

function sameMaterial(a: Material, b: Material): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

function headersOf(options: https.RequestOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const applied = options.headers;
  if (applied !== undefined && !Array.isArray(applied)) {
    for (const [k, v] of Object.entries(applied)) if (typeof v === 'string') headers[k] = v;
  }
  // client-node's KubeConfig sets basic auth as `auth`, not as a header.
  if (options.auth !== undefined && options.auth !== null && headers.Authorization === undefined)
    headers.Authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
  return headers;
}

/**
 * The kubeconfig of --kubeconfig, else (given the environment, which only the entry
 * point reads) $KUBECONFIG, ~/.kube/config or the pod's ServiceAccount.
 */
export function loadKubeConfig(
  path: string | undefined,
  defaults?: { readonly env: Readonly<Record<string, string | undefined>>; readonly home: string },
): ResolvedKubeConfig {
  if (path !== undefined)
    return loadKubeConfigFromFile(path, defaults === undefined ? {} : { env: defaults.env });
  if (defaults === undefined)
    throw new Error('no kubeconfig: pass a path (--kubeconfig) or the environment to look in');
  return loadDefaultKubeConfig(defaults.env, defaults.home);
}

export interface ConnectOptions {
  readonly qps?: number;
  readonly burst?: number;
  readonly userAgent?: string;
}
