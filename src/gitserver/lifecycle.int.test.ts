import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execGit, isolatedGitEnv, type GitResult } from './git-process.js';
import { startGitServer } from './server.js';
import { generateEd25519KeyPair } from './ssh-keys.js';
import type { GitServer } from './types.js';

// Each test here starts its own server, because closing one is what is under test.
let home: string;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'tide-gitserver-lifecycle-'));
});

after(async () => {
  await rm(home, { recursive: true, force: true });
});

function git(server: GitServer, args: string[], cwd?: string): Promise<GitResult> {
  return execGit(['-c', `http.sslCAInfo=${server.caCertPath}`, ...args], { cwd, env: isolatedGitEnv(home) });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

/** Pids of live processes whose command line mentions `needle` (Linux /proc). */
async function processesMentioning(needle: string): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  const matches: number[] = [];
  for (const pid of pids) {
    try {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) matches.push(Number(pid));
    } catch {
      // the process exited while we were looking
    }
  }
  return matches;
}

/** An SSH session whose git-upload-pack (v0) has advertised refs and now waits for input forever. */
async function openIdleUploadPack(server: GitServer): Promise<{ exited: Promise<number | null> }> {
  const options = [
    `IdentityFile=${server.credentials.sshPrivateKeyPath}`,
    'IdentitiesOnly=yes',
    `UserKnownHostsFile=${server.sshKnownHostsPath}`,
    'StrictHostKeyChecking=yes',
    'BatchMode=yes',
  ];
  const args = [
    '-F',
    '/dev/null',
    ...options.flatMap((option) => ['-o', option]),
    '-p',
    String(server.sshPort),
  ];
  const child = spawn('ssh', [...args, 'git@127.0.0.1', "git-upload-pack '/app.git'"], {
    env: isolatedGitEnv(home),
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', resolve);
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => {
      resolve();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      reject(new Error(`ssh exited early with ${String(code)}`));
    });
  });
  // Wrapped: an async function returning a bare promise would wait for it to settle.
  return { exited };
}

describe('server lifecycle', () => {
  it('close() stops listeners, kills running git processes and removes its temp dir', async () => {
    const server = await startGitServer();
    const scratch = dirname(server.caCertPath);
    await (await server.createRepo('app')).commit({ 'a.txt': 'a\n' });
    assert.ok(await exists(scratch), 'expected: await exists(scratch)');
    const session = await openIdleUploadPack(server);
    const repoPath = join(server.repoRoot, 'app.git');
    assert.equal((await processesMentioning(repoPath)).length, 1, 'git-upload-pack is running');

    await server.close();
    assert.deepEqual(await processesMentioning(repoPath), [], 'git-upload-pack was killed');
    assert.equal(await exists(scratch), false, 'temp dir removed');
    assert.equal(await canConnect(server.httpsPort), false, 'https closed');
    assert.equal(await canConnect(server.sshPort), false, 'ssh closed');
    const timeout = new Promise<'hung'>((resolve) =>
      setTimeout(() => {
        resolve('hung');
      }, 5000).unref(),
    );
    assert.notEqual(await Promise.race([session.exited, timeout]), 'hung', 'ssh session was ended');
    await server.close(); // idempotent
  });

  it('keeps a given repository dir and honours given credentials and anonymous read', async () => {
    const dir = join(home, 'repos');
    const server = await startGitServer({
      dir,
      username: 'alice',
      password: 'pw-alice',
      token: 'tk-alice',
      allowAnonymousRead: true,
    });
    try {
      await (await server.createRepo('app')).commit({ 'a.txt': 'a\n' });
      const clone = join(home, 'anon');
      const anonymous = await git(server, ['clone', '--quiet', server.httpsUrl('app'), clone]);
      assert.equal(anonymous.code, 0, anonymous.stderr);
      assert.ok(
        server.requests().every((entry) => entry.auth === 'none' && entry.status === 200),
        'expected: server.requests().every((entry) => entry.auth === "none" && entry.s...',
      );

      await writeFile(join(clone, 'b.txt'), 'b\n');
      assert.equal((await git(server, ['add', 'b.txt'], clone)).code, 0);
      const commit = await git(
        server,
        ['-c', 'user.name=A', '-c', 'user.email=a@example.com', 'commit', '-qm', 'b'],
        clone,
      );
      assert.equal(commit.code, 0, commit.stderr);
      const anonymousPush = await git(server, ['push', 'origin', 'HEAD:main'], clone);
      assert.notEqual(anonymousPush.code, 0, 'pushing needs credentials');

      const url = new URL(server.httpsUrl('app'));
      url.username = 'alice';
      url.password = 'pw-alice';
      const push = await git(server, ['push', '--quiet', url.toString(), 'HEAD:main'], clone);
      assert.equal(push.code, 0, push.stderr);
    } finally {
      await server.close();
    }
    assert.ok((await stat(join(dir, 'app.git'))).isDirectory(), 'repositories survive close()');
  });

  it('uses a given host key and accepts extra authorized keys', async () => {
    const hostKey = generateEd25519KeyPair('stable-host');
    const extra = generateEd25519KeyPair('extra-client');
    const server = await startGitServer({
      sshHostKey: hostKey.privateKey,
      sshAuthorizedKeys: [extra.publicKey],
    });
    try {
      await (await server.createRepo('app')).commit({ 'a.txt': 'a\n' });
      const hostPublic = hostKey.publicKey.split(' ').slice(0, 2).join(' ');
      assert.equal(server.sshKnownHosts, `[127.0.0.1]:${server.sshPort} ${hostPublic}`);
      const viaDefaultKey = await execGit(['ls-remote', server.sshUrl('app')], {
        env: { ...isolatedGitEnv(home), GIT_SSH_COMMAND: server.sshCommand },
      });
      assert.equal(viaDefaultKey.code, 0, viaDefaultKey.stderr);

      const extraKeyPath = join(home, 'id_extra');
      await writeFile(extraKeyPath, extra.privateKey, { mode: 0o600 });
      const sshWithExtraKey = server.sshCommand.replace(server.credentials.sshPrivateKeyPath, extraKeyPath);
      assert.notEqual(sshWithExtraKey, server.sshCommand);
      const viaExtraKey = await execGit(['ls-remote', server.sshUrl('app')], {
        env: { ...isolatedGitEnv(home), GIT_SSH_COMMAND: sshWithExtraKey },
      });
      assert.equal(viaExtraKey.code, 0, viaExtraKey.stderr);
    } finally {
      await server.close();
    }
  });

  it('generates distinct random secrets per server', async () => {
    // Started one after the other so a failing start cannot leave the other one running.
    const a = await startGitServer();
    const b = await startGitServer().catch(async (error: unknown) => {
      await a.close();
      throw error;
    });
    try {
      assert.ok(a.credentials.password.length >= 24, 'expected: a.credentials.password.length >= 24');
      assert.notEqual(a.credentials.password, b.credentials.password);
      assert.notEqual(a.credentials.token, b.credentials.token);
      assert.notEqual(a.credentials.password, a.credentials.token);
      assert.notEqual(a.credentials.sshPublicKey, b.credentials.sshPublicKey);
      assert.notEqual(a.sshKnownHosts.split(' ')[2], b.sshKnownHosts.split(' ')[2]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
