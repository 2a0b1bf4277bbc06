// A raw request to the apiserver with the kubeconfig's credentials, for what
// the typed client does not cover (impersonation headers, arbitrary paths).
import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface KubeRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** A bearer token to send instead of the kubeconfig's credentials. */
  readonly bearerToken?: string;
}

export interface KubeResponse {
  readonly status: number;
  readonly body: unknown;
  /** Response headers, names lowercased (e.g. `warning` for deprecated API versions). */
  readonly headers: IncomingHttpHeaders;
}

export async function kubeRequest(kc: KubeConfig, req: KubeRequest): Promise<KubeResponse> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('kubeconfig has no current cluster');
  const url = new URL(req.path, cluster.server);
  const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
  const options: https.RequestOptions = { method: req.method ?? 'GET' };
  if (req.bearerToken === undefined) {
    await kc.applyToHTTPSOptions(options);
  } else {
    // Authenticate as the token's subject only: trust the cluster's CA but
    // present none of the kubeconfig's credentials.
    if (cluster.caData !== undefined) options.ca = Buffer.from(cluster.caData, 'base64');
    else if (cluster.caFile !== undefined) options.ca = await readFile(cluster.caFile);
    headers['Authorization'] = `Bearer ${req.bearerToken}`;
  }
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  if (payload !== undefined) headers['Content-Type'] ??= 'application/json';
  // Keep what the kubeconfig set (an Authorization header for token users).
  const applied = options.headers;
  if (applied !== undefined && !Array.isArray(applied)) Object.assign(headers, applied);
  options.headers = headers;
  return new Promise((resolve, reject) => {
    const request = https.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON: keep the text.
        }
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      });
      res.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}
