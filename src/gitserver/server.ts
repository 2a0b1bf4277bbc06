import { randomBytes } from 'node:crypto';
import { access, chmod, constants, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import type { ParsedKey } from 'ssh2';
import { ChildProcesses } from './child-processes.js';
import { gitOutput, isolatedGitEnv } from './git-process.js';
import type { HttpCredentials } from './http-auth.js';
import { createHttpsTransport } from './https-transport.js';
import { createRepository } from './repo.js';
import { normalizeRepoName } from './repo-names.js';
import { RequestLog } from './request-log.js';
import { generateEd25519KeyPair, knownHostsLine, parseSshKey, type SshKeyPair } from './ssh-keys.js';
import { createSshTransport } from './ssh-transport.js';
import { createTlsMaterial, type TlsMaterial } from './tls-certificates.js';
import type { GitServer, GitServerOptions } from './types.js';

/** Both listeners bind to IPv4 loopback only: this server is for tests and local demos. */
const HOST = '127.0.0.1';
const DEFAULT_HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

/**
 * Starts an HTTPS (smart HTTP) and an SSH git server on loopback, sharing one repository root and
 * request log. Secrets, keys and the TLS CA are generated per server and live in a private temp
 * directory that `close()` removes.
 */
export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const scratch = await mkdtemp(join(tmpdir(), 'tide-gitserver-'));
  // Undo steps in reverse order of setup: close listeners, kill git children, remove the dir.
  const cleanups: Cleanups = [() => rm(scratch, { recursive: true, force: true })];
  const shutdown = async (): Promise<void> => {
    for (const step of [...cleanups].reverse()) await step();
  };
  try {
    return await launch(scratch, options, cleanups, shutdown);
  } catch (error) {
    await shutdown();
    throw error;
  }
}

interface Secrets {
  credentials: HttpCredentials;
  clientKey: SshKeyPair;
  hostKey: string;
  authorizedKeys: ParsedKey[];
}

type Cleanups = (() => Promise<void>)[];

/** Everything both transports and the repository helpers share. */
interface Runtime {
  repoRoot: string;
  gitEnv: Record<string, string>;
  tls: TlsMaterial;
  backendPath: string;
  secrets: Secrets;
  log: RequestLog;
  children: ChildProcesses;
}

async function launch(
  scratch: string,
  options: GitServerOptions,
  cleanups: Cleanups,
  shutdown: () => Promise<void>,
): Promise<GitServer> {
  const runtime = await prepare(scratch, options, cleanups);
  const { repoRoot, gitEnv, tls, secrets, log, children } = runtime;
  const { httpsPort, sshPort } = await startTransports(runtime, options, cleanups);
  const sshKnownHosts = knownHostsLine(HOST, sshPort, parseSshKey(secrets.hostKey, 'SSH host key'));
  const files = await writeClientFiles(scratch, tls.caCertPem, secrets.clientKey.privateKey, sshKnownHosts);
  const httpsUrl = (repo: string): string => `https://${HOST}:${httpsPort}/${normalizeRepoName(repo)}.git`;
  const sshUrl = (repo: string): string => `ssh://git@${HOST}:${sshPort}/${normalizeRepoName(repo)}.git`;
  let closing: Promise<void> | undefined;
  return {
    httpsUrl,
    sshUrl,
    httpsPort,
    sshPort,
    repoRoot,
    caCertPem: tls.caCertPem,
    caCertPath: files.caCertPath,
    sshKnownHosts,
    sshKnownHostsPath: files.knownHostsPath,
    sshCommand: sshCommand(files.privateKeyPath, files.knownHostsPath),
    credentials: {
      ...secrets.credentials,
      sshPrivateKeyPath: files.privateKeyPath,
      sshPublicKey: secrets.clientKey.publicKey,
    },
    createRepo: (name, repoOptions) =>
      createRepository({ repoRoot, gitEnv, children, httpsUrl, sshUrl }, name, repoOptions),
    requests: () => log.entries(),
    clearRequests: () => {
      log.clear();
    },
    close: () => (closing ??= shutdown()),
  };
}

async function prepare(scratch: string, options: GitServerOptions, cleanups: Cleanups): Promise<Runtime> {
  const home = join(scratch, 'home');
  // Absolute, because git-http-backend resolves GIT_PROJECT_ROOT from its own cwd.
  const repoRoot = resolvePath(options.dir ?? join(scratch, 'repos'));
  await Promise.all([mkdir(home), mkdir(repoRoot, { recursive: true })]);
  const gitEnv = isolatedGitEnv(home);
  const [tls, backendPath] = await Promise.all([
    createTlsMaterial(),
    options.gitHttpBackendPath ?? locateHttpBackend(gitEnv),
  ]);
  const children = new ChildProcesses();
  cleanups.push(() => children.killAll());
  return {
    repoRoot,
    gitEnv,
    tls,
    backendPath,
    secrets: createSecrets(options),
    log: new RequestLog(),
    children,
  };
}

async function startTransports(
  runtime: Runtime,
  options: GitServerOptions,
  cleanups: Cleanups,
): Promise<{ httpsPort: number; sshPort: number }> {
  const { repoRoot, gitEnv, log, children, secrets } = runtime;
  const https = createHttpsTransport({
    repoRoot,
    tls: runtime.tls,
    credentials: secrets.credentials,
    allowAnonymousRead: options.allowAnonymousRead ?? false,
    backendPath: runtime.backendPath,
    gitEnv,
    log,
    children,
  });
  const httpsPort = await listen(https, options.httpsPort ?? 0);
  cleanups.push(() =>
    closeServer(https, () => {
      https.closeAllConnections();
    }),
  );
  const ssh = createSshTransport({
    repoRoot,
    hostKey: secrets.hostKey,
    authorizedKeys: secrets.authorizedKeys,
    gitEnv,
    log,
    children,
  });
  const sshPort = await listen(ssh.server, options.sshPort ?? 0);
  cleanups.push(() => closeServer(ssh.server, ssh.disconnectAll));
  return { httpsPort, sshPort };
}

function createSecrets(options: GitServerOptions): Secrets {
  const clientKey = generateEd25519KeyPair('tide-gitserver-client');
  return {
    credentials: {
      username: options.username ?? 'tide',
      password: options.password ?? randomSecret(),
      token: options.token ?? randomSecret(),
    },
    clientKey,
    hostKey: options.sshHostKey ?? generateEd25519KeyPair('tide-gitserver-host').privateKey,
    authorizedKeys: [clientKey.publicKey, ...(options.sshAuthorizedKeys ?? [])].map((key) =>
      parseSshKey(key, 'authorized SSH key'),
    ),
  };
}

/** Files git and ssh clients need; ssh refuses private keys readable by others, hence 0600. */
async function writeClientFiles(
  scratch: string,
  caCertPem: string,
  privateKey: string,
  knownHosts: string,
): Promise<{ caCertPath: string; privateKeyPath: string; knownHostsPath: string }> {
  const paths = {
    caCertPath: join(scratch, 'ca.pem'),
    privateKeyPath: join(scratch, 'id_ed25519'),
    knownHostsPath: join(scratch, 'known_hosts'),
  };
  await Promise.all([
    writeFile(paths.caCertPath, caCertPem),
    writeFile(paths.privateKeyPath, privateKey, { mode: 0o600 }).then(() =>
      chmod(paths.privateKeyPath, 0o600),
    ),
    writeFile(paths.knownHostsPath, `${knownHosts}\n`),
  ]);
  return paths;
}

/**
 * A GIT_SSH_COMMAND that trusts only this server's host key and offers only the generated client
 * key; `-F /dev/null` keeps the user's ~/.ssh/config (which ssh reads regardless of $HOME) out.
 */
function sshCommand(privateKeyPath: string, knownHostsPath: string): string {
  return [
    'ssh -F /dev/null',
    `-i ${shellQuote(privateKeyPath)}`,
    '-o IdentitiesOnly=yes',
    `-o UserKnownHostsFile=${shellQuote(knownHostsPath)}`,
    '-o GlobalKnownHostsFile=/dev/null',
    '-o StrictHostKeyChecking=yes',
    '-o BatchMode=yes',
  ].join(' ');
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

function randomSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** git-http-backend ships in git's exec path, which differs between distributions. */
async function locateHttpBackend(gitEnv: Record<string, string>): Promise<string> {
  try {
    const execPath = (await gitOutput(['--exec-path'], { env: gitEnv })).toString('utf8').trim();
    const candidate = join(execPath, 'git-http-backend');
    await access(candidate, constants.X_OK);
    return candidate;
  } catch {
    return DEFAULT_HTTP_BACKEND;
  }
}

function listen(server: NetServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Stops accepting, then drops open connections, which `close()` alone would wait for. Does not
 * consult `server.listening`: ssh2's Server wraps a net.Server and lacks that property (despite
 * its typings), so an already-closed server is instead detected by close()'s error callback.
 */
function closeServer(server: NetServer, dropConnections: () => void): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    dropConnections();
  });
}
