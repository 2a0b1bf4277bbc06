import { spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import ssh2, {
  type AuthContext,
  type Connection,
  type ParsedKey,
  type Server as SshServer,
  type ServerChannel,
  type Session,
} from 'ssh2';
import { exitStatus, type ChildProcesses } from './child-processes.js';
import { repoDirectory } from './repo-names.js';
import type { RequestLog } from './request-log.js';
import { parseGitExec, type GitSshService } from './ssh-exec.js';
import { UploadPackSniffer } from './upload-pack-sniffer.js';

const { Server } = ssh2;

/** Exit status git itself uses for fatal errors; clients print our stderr message with it. */
const REFUSED_STATUS = 128;

export interface SshTransportOptions {
  repoRoot: string;
  hostKey: string;
  authorizedKeys: readonly ParsedKey[];
  gitEnv: Record<string, string>;
  log: RequestLog;
  children: ChildProcesses;
}

export interface SshTransport {
  server: SshServer;
  /** Ends every open client connection; `server.close()` alone waits for them forever. */
  disconnectAll: () => void;
}

/** SSH server that only runs git-upload-pack / git-receive-pack for public-key-authenticated users. */
export function createSshTransport(options: SshTransportOptions): SshTransport {
  const connections = new Set<Connection>();
  const server = new Server({ hostKeys: [options.hostKey], ident: 'tide-gitserver' }, (client) => {
    connections.add(client);
    client.on('close', () => connections.delete(client));
    // Resets from clients that give up (e.g. a refused host key) are routine, not fatal.
    client.on('error', () => undefined);
    let user: string | undefined;
    client.on('authentication', (ctx) => {
      if (isAuthorized(ctx, options.authorizedKeys)) {
        user = ctx.username;
        ctx.accept();
      } else {
        ctx.reject(['publickey']);
      }
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        handleSession(accept(), options, user ?? '');
      });
    });
  });
  return {
    server,
    disconnectAll: () => {
      for (const client of connections) client.end();
    },
  };
}

/**
 * A public-key attempt without signature is only a query ("would this key do?"); accepting it
 * makes ssh2 answer PK_OK so the client proceeds to sign. With a signature, it must verify.
 */
function isAuthorized(ctx: AuthContext, keys: readonly ParsedKey[]): boolean {
  if (ctx.method !== 'publickey') return false;
  const offered = ctx.key.data;
  const key = keys.find((candidate) => {
    const blob = candidate.getPublicSSH();
    return blob.length === offered.length && timingSafeEqual(blob, offered);
  });
  if (key === undefined) return false;
  if (ctx.signature === undefined || ctx.blob === undefined) return true;
  return key.verify(ctx.blob, ctx.signature, ctx.hashAlgo);
}

function handleSession(session: Session, options: SshTransportOptions, user: string): void {
  let gitProtocol: string | undefined;
  // ssh2 passes no accept/reject when the client did not ask for a reply (OpenSSH's `env`
  // requests never do), despite the typings.
  const reply = (fn: (() => void) | undefined): void => {
    fn?.();
  };
  session.on('env', (accept, reject, info) => {
    if (info.key === 'GIT_PROTOCOL') {
      gitProtocol = info.val;
      reply(accept);
    } else {
      reply(reject);
    }
  });
  session.on('exec', (accept, _reject, info) => {
    // ssh2 returns nothing if the client already closed the session.
    const channel = accept() as ServerChannel | undefined;
    if (channel === undefined) return;
    runExec(channel, info.command, { options, user, gitProtocol }).catch(() => {
      finishChannel(channel, REFUSED_STATUS).catch(() => undefined);
    });
  });
}

interface ExecContext {
  options: SshTransportOptions;
  user: string;
  gitProtocol: string | undefined;
}

async function runExec(channel: ServerChannel, command: string, context: ExecContext): Promise<void> {
  const { options } = context;
  const parsed = parseGitExec(command);
  const refuse = async (repo: string, service: GitSshService | undefined, reason: string): Promise<void> => {
    channel.stderr.write(`fatal: ${reason}\n`);
    await finishChannel(channel, REFUSED_STATUS);
    if (service !== undefined) {
      options.log.record({
        transport: 'ssh',
        repo,
        service,
        user: context.user,
        auth: 'publickey',
        status: REFUSED_STATUS,
      });
    }
  };
  if (!parsed.ok) {
    await refuse(parsed.path, parsed.service, parsed.reason);
    return;
  }
  const dir = repoDirectory(options.repoRoot, parsed.repo);
  if (!(await isDirectory(dir))) {
    await refuse(parsed.repo, parsed.service, `repository '${parsed.repo}' does not exist`);
    return;
  }
  const { status, command: gitCommand } = await pipeGit(channel, parsed.service, dir, context);
  options.log.record({
    transport: 'ssh',
    repo: parsed.repo,
    service: parsed.service,
    command: gitCommand,
    user: context.user,
    auth: 'publickey',
    status,
  });
}

/** Connects a git service process to the channel; resolves with its exit status and sniffed command. */
function pipeGit(
  channel: ServerChannel,
  service: GitSshService,
  dir: string,
  context: ExecContext,
): Promise<{ status: number; command: string | undefined }> {
  const env = { ...context.options.gitEnv };
  if (context.gitProtocol !== undefined) env.GIT_PROTOCOL = context.gitProtocol;
  const subcommand = service === 'git-upload-pack' ? 'upload-pack' : 'receive-pack';
  const child = spawn('git', [subcommand, dir], { env, stdio: 'pipe' });
  context.options.children.track(child);
  const sniffer = service === 'git-upload-pack' ? new UploadPackSniffer('session') : undefined;
  if (sniffer !== undefined) {
    channel.on('data', (chunk: Buffer) => {
      sniffer.push(chunk);
    });
  }
  child.stdin.on('error', () => undefined);
  channel.pipe(child.stdin);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  // A client that disconnects mid-transfer leaves nobody to read git's output.
  channel.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  return new Promise((resolve) => {
    let finished = false;
    // Spawn failures emit both 'error' and 'close'; the channel must be finished only once.
    const done = (status: number): void => {
      if (finished) return;
      finished = true;
      void finishChannel(channel, status).then(() => {
        resolve({ status, command: sniffer?.command });
      });
    };
    child.on('error', () => {
      done(REFUSED_STATUS);
    });
    child.on('close', (code, signal) => {
      done(exitStatus(code, signal));
    });
  });
}

/**
 * Sends the exit status only after everything already written has gone out: ssh2 transmits
 * `exit-status` immediately, ahead of data still queued behind the channel window, and a client
 * seeing EOF/close before git's last bytes would report a truncated pack.
 */
async function finishChannel(channel: ServerChannel, status: number): Promise<void> {
  await Promise.all([flushed(channel, channel), flushed(channel.stderr, channel)]);
  channel.exit(status);
  channel.end();
}

function flushed(stream: Writable, channel: ServerChannel): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.writable) {
      resolve();
      return;
    }
    // Writes are processed in order, so this empty write's callback runs after all queued data.
    stream.write(Buffer.alloc(0), () => {
      resolve();
    });
    // Once the client closed the channel, queued writes are never completed by ssh2.
    channel.once('close', resolve);
  });
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
