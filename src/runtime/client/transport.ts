// HTTPS transport to the API server built from a kubeconfig: TLS material and
// credentials resolved once, one keep-alive agent shared by every request.
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export interface Transport {
  readonly server: URL;
  readonly agent: https.Agent;
  readonly headers: Readonly<Record<string, string>>;
}

export async function transportFromKubeConfig(kc: KubeConfig): Promise<Transport> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster: set current-context');
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const headers: Record<string, string> = {};
  const applied = options.headers;
  if (applied !== undefined && !Array.isArray(applied)) {
    for (const [k, v] of Object.entries(applied)) if (typeof v === 'string') headers[k] = v;
  }
  const agent = new https.Agent({
    keepAlive: true,
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    servername: options.servername,
  });
  return { server: new URL(cluster.server), agent, headers };
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
