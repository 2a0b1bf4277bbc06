// HTTPS transport to the API server built from a kubeconfig: TLS material resolved
// once, one keep-alive agent shared by every request, credentials (bearer tokens from
// files or exec plugins, which expire) re-resolved every minute.
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export interface Transport {
  readonly server: URL;
  readonly agent: https.Agent;
  /** Authentication headers, current as of the last refresh. */
  headers(): Promise<Readonly<Record<string, string>>>;
}

const CREDENTIAL_REFRESH_MS = 60_000;

export async function transportFromKubeConfig(kc: KubeConfig): Promise<Transport> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster: set current-context');
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  let current = headersOf(options);
  let resolvedAt = Date.now();
  let refreshing: Promise<void> | undefined;
  const refresh = async (): Promise<void> => {
    const fresh: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(fresh);
    current = headersOf(fresh);
    resolvedAt = Date.now();
  };
  const agent = new https.Agent({
    keepAlive: true,
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    servername: options.servername,
  });
  return {
    server: new URL(cluster.server),
    agent,
    async headers() {
      if (Date.now() - resolvedAt > CREDENTIAL_REFRESH_MS) {
        refreshing ??= refresh().finally(() => (refreshing = undefined));
        await refreshing;
      }
      return current;
    },
  };
}

function headersOf(options: https.RequestOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const applied = options.headers;
  if (applied !== undefined && !Array.isArray(applied)) {
    for (const [k, v] of Object.entries(applied)) if (typeof v === 'string') headers[k] = v;
  }
  return headers;
}

export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path === undefined) kc.loadFromDefault();
  else kc.loadFromFile(path);
  return kc;
}

export interface ConnectOptions {
  readonly qps?: number;
  readonly burst?: number;
  readonly userAgent?: string;
}
