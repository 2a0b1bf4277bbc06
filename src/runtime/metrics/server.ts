// The HTTP endpoints of a manager: /metrics on the metrics address, /healthz and
// /readyz on the health address (the same server when both addresses are equal).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RuntimeMetrics } from './metrics.js';

export type Check = () => boolean | string;

export interface EndpointsOptions {
  readonly metrics: RuntimeMetrics;
  /** host:port; `:8080` means all interfaces, port 0 picks a free one. */
  readonly metricsAddr: string;
  readonly healthAddr: string;
  readonly readyChecks: Readonly<Record<string, Check>>;
  readonly healthChecks?: Readonly<Record<string, Check>>;
}

export interface Endpoints {
  readonly metricsUrl: string;
  readonly healthUrl: string;
  close(): Promise<void>;
}

export async function startEndpoints(opts: EndpointsOptions): Promise<Endpoints> {
  const handle = (req: http.IncomingMessage, res: http.ServerResponse, serveMetrics: boolean): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (serveMetrics && path === '/metrics') {
      opts.metrics.render().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': opts.metrics.registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
      return;
    }
    if (path === '/healthz' || path === '/readyz') {
      const checks = path === '/healthz' ? (opts.healthChecks ?? {}) : opts.readyChecks;
      const failing = Object.entries(checks)
        .map(([name, check]) => [name, check()] as const)
        .filter(([, ok]) => ok !== true)
        .map(([name, why]) => `${name}: ${why === false ? 'not ready' : String(why)}`);
      res.writeHead(failing.length === 0 ? 200 : 503, { 'Content-Type': 'text/plain' });
      res.end(failing.length === 0 ? 'ok\n' : failing.join('\n') + '\n');
      return;
    }
    res.writeHead(404);
    res.end();
  };
  const same = opts.metricsAddr === opts.healthAddr;
  const metricsServer = await listen(opts.metricsAddr, (q, s) => {
    handle(q, s, true);
  });
  let healthServer = metricsServer;
  if (!same) {
    try {
      healthServer = await listen(opts.healthAddr, (q, s) => {
        handle(q, s, false);
      });
    } catch (err) {
      // The metrics listener would otherwise keep the process alive after the failure.
      await new Promise((resolve) => metricsServer.close(resolve));
      throw err;
    }
  }
  return {
    metricsUrl: urlOf(metricsServer),
    healthUrl: urlOf(healthServer),
    async close() {
      await close(metricsServer);
      if (!same) await close(healthServer);
    },
  };
}

export function parseAddress(addr: string): { host: string | undefined; port: number } {
  const colon = addr.lastIndexOf(':');
  if (colon < 0) throw new Error(`address "${addr}" must be host:port or :port`);
  const host = addr.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(addr.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`address "${addr}" has an invalid port`);
  return { host: host === '' ? undefined : host, port };
}

function listen(addr: string, handler: http.RequestListener): Promise<http.Server> {
  const { host, port } = parseAddress(addr);
  const server = http.createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function urlOf(server: http.Server): string {
  const { address, port, family } = server.address() as AddressInfo;
  const host = address === '::' || address === '0.0.0.0' ? '127.0.0.1' : address;
  return `http://${family === 'IPv6' && host.includes(':') ? `[${host}]` : host}:${port}`;
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
}
