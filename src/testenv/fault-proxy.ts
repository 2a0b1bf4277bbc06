// A TLS-terminating proxy in front of the test apiserver that can fail requests on
// demand: the way to make "the apiserver resets connections after k of n writes" happen
// at a precise point, with the controller's real client and code path in between. The
// controller reaches it through a kubeconfig (e.g. a Kustomization's spec.kubeConfig);
// the proxy forwards with the admin identity of the kubeconfig it was given.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { createTlsMaterial } from '../gitserver/tls-certificates.js';

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly dryRun: boolean;
  /** Whether the proxy broke the connection instead of forwarding. */
  readonly failed: boolean;
}

export interface FaultProxy {
  readonly url: string;
  /** A kubeconfig (inline CA and a dummy token) that reaches the apiserver through the proxy. */
  readonly kubeconfig: string;
  readonly requests: ProxiedRequest[];
  /** From now on, let `allowed` more writes (non-dry-run PATCH/POST/PUT/DELETE) through, then reset every later one. */
  failWritesAfter(allowed: number): void;
  /** Forward everything again. */
  heal(): void;
  close(): Promise<void>;
}

const WRITES = new Set(['PATCH', 'POST', 'PUT', 'DELETE']);

export async function startFaultProxy(target: KubeConfig): Promise<FaultProxy> {
  const cluster = target.getCurrentCluster();
  if (cluster === null) throw new Error('fault proxy: the kubeconfig has no current cluster');
  const upstream = new URL(cluster.server);
  const tlsOptions: https.RequestOptions = {};
  await target.applyToHTTPSOptions(tlsOptions);
  const agent = new https.Agent({
    keepAlive: true,
    ca: tlsOptions.ca,
    cert: tlsOptions.cert,
    key: tlsOptions.key,
  });
  const upstreamHeaders = (tlsOptions.headers ?? {}) as Record<string, string>;
  const tls = await createTlsMaterial();
  const requests: ProxiedRequest[] = [];
  let budget = Number.POSITIVE_INFINITY;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://proxy');
    const method = req.method ?? 'GET';
    const dryRun = url.searchParams.get('dryRun') !== null;
    const isWrite = WRITES.has(method) && !dryRun;
    if (isWrite) {
      if (budget <= 0) {
        requests.push({ method, path: url.pathname, dryRun, failed: true });
        req.socket.destroy();
        return;
      }
      budget--;
    }
    requests.push({ method, path: url.pathname, dryRun, failed: false });
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || k === 'host' || k === 'authorization' || k === 'connection') continue;
      headers[k] = v;
    }
    Object.assign(headers, upstreamHeaders);
    const out = https.request(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method,
        headers,
        agent,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  };

  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  const kubeconfig = `apiVersion: v1
kind: Config
current-context: proxy
contexts: [{name: proxy, context: {cluster: proxy, user: proxy}}]
clusters: [{name: proxy, cluster: {server: '${url}', certificate-authority-data: ${Buffer.from(tls.caCertPem).toString('base64')}}}]
users: [{name: proxy, user: {token: unused-by-the-proxy}}]
`;
  return {
    url,
    kubeconfig,
    requests,
    failWritesAfter(allowed) {
      budget = allowed;
    },
    heal() {
      budget = Number.POSITIVE_INFINITY;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
    },
  };
}
