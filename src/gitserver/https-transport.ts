import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { ChildProcesses } from './child-processes.js';
import { runCgi } from './cgi.js';
import { authenticate, BASIC_CHALLENGE, type AuthOutcome, type HttpCredentials } from './http-auth.js';
import { sniffUploadPackBody } from './http-body-sniffer.js';
import { InvalidRepoNameError, normalizeRepoName, repoDirectory } from './repo-names.js';
import type { RequestLog } from './request-log.js';
import type { GitService } from './types.js';

export interface HttpsTransportOptions {
  repoRoot: string;
  tls: { certPem: string; keyPem: string };
  credentials: HttpCredentials;
  allowAnonymousRead: boolean;
  backendPath: string;
  /** Isolated base environment for git (PATH, HOME, …). */
  gitEnv: Record<string, string>;
  log: RequestLog;
  children: ChildProcesses;
}

/** A smart-HTTP request this server is willing to serve. */
interface GitRoute {
  repo: string;
  service: GitService;
  /** Service named in `info/refs?service=`, if any. */
  advertised: string | undefined;
  /** Whether the request can change the repository (needs an authenticated user). */
  writes: boolean;
  pathInfo: string;
  query: string;
}

/** HTTPS smart-HTTP server delegating the git protocol to git-http-backend. */
export function createHttpsTransport(options: HttpsTransportOptions): Server {
  const server = createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, (req, res) => {
    handleRequest(options, req, res).catch(() => {
      if (res.writableEnded) return;
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  // A git client that vanishes mid-request must not crash the test process.
  server.on('clientError', (_error, socket) => socket.destroy());
  return server;
}

async function handleRequest(
  options: HttpsTransportOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const auth = authenticate(req.headers.authorization, options.credentials);
  const route = parseRoute(req.method ?? 'GET', req.url ?? '/');
  if (route === undefined) {
    respond(res, auth.kind === 'denied' ? 401 : 404);
    return;
  }
  const log = (status: number, command = route.advertised): void => {
    const user = auth.kind === 'authenticated' ? auth.user : undefined;
    options.log.record({
      transport: 'https',
      repo: route.repo,
      service: route.service,
      command,
      user,
      auth: auth.method,
      status,
    });
  };
  if (!isAllowed(auth, route, options.allowAnonymousRead)) {
    respond(res, 401);
    log(401);
    return;
  }
  if (!(await isRepository(repoDirectory(options.repoRoot, route.repo)))) {
    respond(res, 404);
    log(404);
    return;
  }
  const sniffed =
    route.service === 'git-upload-pack'
      ? sniffUploadPackBody(req, isGzip(req))
      : Promise.resolve(route.advertised);
  const env = cgiEnvironment(options, req, route, auth);
  await runCgi({
    script: options.backendPath,
    env,
    body: req,
    response: res,
    onSpawn: (child) => {
      options.children.track(child);
    },
  });
  log(res.statusCode, await sniffed);
}

function isAllowed(auth: AuthOutcome, route: GitRoute, allowAnonymousRead: boolean): boolean {
  if (auth.kind === 'authenticated') return true;
  return auth.kind === 'anonymous' && allowAnonymousRead && !route.writes;
}

function respond(res: ServerResponse, status: 401 | 404): void {
  const headers: Record<string, string> = { 'Content-Type': 'text/plain' };
  if (status === 401) headers['WWW-Authenticate'] = BASIC_CHALLENGE;
  res.writeHead(status, headers);
  res.end(status === 401 ? 'authentication required\n' : 'not found\n');
}

const SMART_PATHS: Record<string, { method: string; service: GitService } | undefined> = {
  'info/refs': { method: 'GET', service: 'info-refs' },
  'git-upload-pack': { method: 'POST', service: 'git-upload-pack' },
  'git-receive-pack': { method: 'POST', service: 'git-receive-pack' },
};

/**
 * Maps `/<repo>.git/<smart path>` to a route; anything else (dumb HTTP included) is not served.
 * The raw path is decoded but deliberately not dot-segment-normalized (as `new URL` would do), so
 * `..` in a request is refused rather than silently resolved to some other repository.
 */
export function parseRoute(method: string, rawUrl: string): GitRoute | undefined {
  const queryStart = rawUrl.indexOf('?');
  const rawPath = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
  const query = queryStart < 0 ? '' : rawUrl.slice(queryStart + 1);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  const boundary = path.indexOf('.git/');
  if (boundary < 0) return undefined;
  const suffix = path.slice(boundary + '.git/'.length);
  const smart = SMART_PATHS[suffix];
  if (smart?.method !== method) return undefined;
  let repo: string;
  try {
    repo = normalizeRepoName(path.slice(0, boundary));
  } catch (error) {
    if (error instanceof InvalidRepoNameError) return undefined;
    throw error;
  }
  const advertised =
    smart.service === 'info-refs' ? (new URLSearchParams(query).get('service') ?? undefined) : undefined;
  return {
    repo,
    service: smart.service,
    advertised,
    writes: smart.service === 'git-receive-pack' || advertised === 'git-receive-pack',
    pathInfo: `/${repo}.git/${suffix}`,
    query,
  };
}

function cgiEnvironment(
  options: HttpsTransportOptions,
  req: IncomingMessage,
  route: GitRoute,
  auth: AuthOutcome,
): Record<string, string> {
  const env: Record<string, string> = {
    ...options.gitEnv,
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    GIT_PROJECT_ROOT: options.repoRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: route.pathInfo,
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: route.query,
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
  };
  const headers = req.headers;
  if (headers['content-type'] !== undefined) env.CONTENT_TYPE = headers['content-type'];
  // Without CONTENT_LENGTH (chunked uploads) git-http-backend reads the body until EOF.
  if (headers['content-length'] !== undefined) env.CONTENT_LENGTH = headers['content-length'];
  if (headers['content-encoding'] !== undefined) env.HTTP_CONTENT_ENCODING = headers['content-encoding'];
  const protocol = headers['git-protocol'];
  if (typeof protocol === 'string') env.GIT_PROTOCOL = protocol;
  // git-http-backend enables receive-pack only when REMOTE_USER is set.
  if (auth.kind === 'authenticated') env.REMOTE_USER = auth.user;
  return env;
}

function isGzip(req: IncomingMessage): boolean {
  const encoding = req.headers['content-encoding']?.toLowerCase();
  return encoding === 'gzip' || encoding === 'x-gzip';
}

async function isRepository(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
