// Serves artifact files over plain HTTP (GET/HEAD), like source-controller's file
// server but narrower: files under the storage root only, no directory listings, no
// dotfiles (temp files), and symlinks only when they resolve inside the root.
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { silentLogger, type Logger } from '../runtime/log/logger.js';
import { parseAddress } from '../runtime/metrics/server.js';
import { isUnder, joinUnder } from './safe-path.js';

export interface ArtifactServerOptions {
  readonly storage: { readonly root: string };
  /** host:port; `:9090` means all interfaces, port 0 picks a free one. */
  readonly addr: string;
  readonly logger?: Logger;
}

export interface ArtifactServer {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_SEGMENTS = 16;

export async function startArtifactServer(opts: ArtifactServerOptions): Promise<ArtifactServer> {
  const root = await realpath(opts.storage.root);
  const log = (opts.logger ?? silentLogger).with({ component: 'artifact-server' });
  const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    serve(root, req, res).catch((err: unknown) => {
      log.error('serving artifact failed', { path: (req.url ?? '').split('?', 1)[0], error: err });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const { host, port } = parseAddress(opts.addr);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    url: urlOf(server),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

async function serve(root: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' });
    res.end();
    return;
  }
  const file = await resolveFile(root, req.url ?? '/');
  if (file === undefined) {
    notFound(res);
    return;
  }
  // O_NOFOLLOW on the resolved path: a link swapped in after realpath is refused.
  const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
  if (fh === undefined) {
    notFound(res);
    return;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      notFound(res);
      return;
    }
    res.writeHead(200, {
      'Content-Type':
        file.endsWith('.gz') || file.endsWith('.tgz') ? 'application/gzip' : 'application/octet-stream',
      'Content-Length': st.size,
      'Last-Modified': st.mtime.toUTCString(),
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD' || st.size === 0) {
      res.end();
      return;
    }
    await pipeline(fh.createReadStream({ start: 0, end: st.size - 1, autoClose: false }), res);
  } finally {
    await fh.close();
  }
}

/** The real path of the requested file if it is a safe request that stays under root. */
async function resolveFile(root: string, rawUrl: string): Promise<string | undefined> {
  const rawPath = rawUrl.split(/[?#]/, 1)[0] ?? '';
  if (!rawPath.startsWith('/')) return undefined;
  const segments: string[] = [];
  for (const raw of rawPath.slice(1).split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    // Dot-leading names cover "..", "." and temp files; empty covers "//" and trailing "/".
    if (seg === '' || seg.startsWith('.') || /[/\\\0]/.test(seg)) return undefined;
    segments.push(seg);
  }
  if (segments.length === 0 || segments.length > MAX_SEGMENTS) return undefined;
  let real: string;
  try {
    real = await realpath(joinUnder(root, segments));
  } catch {
    return undefined;
  }
  return isUnder(root, real) && real !== root ? real : undefined;
}

function notFound(res: http.ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('404 page not found\n');
}

function urlOf(server: http.Server): string {
  const { address, port, family } = server.address() as AddressInfo;
  const host = address === '::' || address === '0.0.0.0' ? '127.0.0.1' : address;
  return `http://${family === 'IPv6' && host.includes(':') ? `[${host}]` : host}:${port}`;
}
