import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execGit, isolatedGitEnv, type GitResult } from './git-process.js';
import { startGitServer } from './server.js';
import { generateEd25519KeyPair } from './ssh-keys.js';
import type { GitServer, Repo } from './types.js';

let server: GitServer;
let repo: Repo;
let home: string;

interface SshClientFiles {
  key?: string;
  knownHosts?: string;
}

/** The OpenSSH invocation git should use; `-F /dev/null` keeps the real user's ssh config out. */
function sshCommand(files: SshClientFiles = {}): string {
  const key = files.key ?? server.credentials.sshPrivateKeyPath;
  const knownHosts = files.knownHosts ?? server.sshKnownHostsPath;
  return `ssh -F /dev/null -i ${key} -o IdentitiesOnly=yes -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes -o BatchMode=yes`;
}

function git(args: string[], options: { cwd?: string; ssh?: SshClientFiles } = {}): Promise<GitResult> {
  const env = { ...isolatedGitEnv(home), GIT_SSH_COMMAND: sshCommand(options.ssh) };
  return execGit(args, { cwd: options.cwd, env });
}

function ok(result: GitResult): string {
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.toString('utf8');
}

/** Runs a raw remote command over ssh (as git would, but with an arbitrary command line). */
function sshExec(remoteCommand: string): Promise<{ code: number | null; stderr: string }> {
  const args = [
    ...sshCommand().split(' ').slice(1),
    '-p',
    String(server.sshPort),
    'git@127.0.0.1',
    remoteCommand,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { env: isolatedGitEnv(home), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stderr });
    });
  });
}

async function writeKeyFile(name: string, content: string): Promise<string> {
  const path = join(home, name);
  await writeFile(path, content, { mode: 0o600 });
  return path;
}

before(async () => {
  server = await startGitServer();
  home = await mkdtemp(join(tmpdir(), 'tide-gitserver-ssh-client-'));
  repo = await server.createRepo('org/app');
  await repo.commit({ 'README.md': '# app\n' }, { message: 'initial' });
});

after(async () => {
  await server.close();
  await rm(home, { recursive: true, force: true });
});

describe('SSH transport', () => {
  it('exposes a known_hosts line and a private key ssh accepts', async () => {
    assert.match(
      server.sshKnownHosts,
      new RegExp(`^\\[127\\.0\\.0\\.1\\]:${server.sshPort} ssh-ed25519 AAAA[\\w+/=]+$`),
    );
    assert.equal(await readFile(server.sshKnownHostsPath, 'utf8'), `${server.sshKnownHosts}\n`);
    assert.equal((await stat(server.credentials.sshPrivateKeyPath)).mode & 0o777, 0o600);
    assert.match(
      await readFile(server.credentials.sshPrivateKeyPath, 'utf8'),
      /^-----BEGIN OPENSSH PRIVATE KEY-----/,
    );
    assert.equal(server.sshUrl('org/app'), `ssh://git@127.0.0.1:${server.sshPort}/org/app.git`);
  });

  it('clones and pushes with the generated key', async () => {
    const dir = join(home, 'clone');
    ok(await git(['clone', '--quiet', server.sshUrl('org/app'), dir]));
    assert.equal(await readFile(join(dir, 'README.md'), 'utf8'), '# app\n');

    await writeFile(join(dir, 'ssh.txt'), 'pushed over ssh\n');
    ok(await git(['add', 'ssh.txt'], { cwd: dir }));
    ok(
      await git(['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qm', 'ssh push'], {
        cwd: dir,
      }),
    );
    server.clearRequests();
    ok(await git(['push', '--quiet', 'origin', 'HEAD:main'], { cwd: dir }));

    assert.equal(await repo.head(), ok(await git(['rev-parse', 'HEAD'], { cwd: dir })).trim());
    assert.deepEqual(
      server
        .requests()
        .map(({ transport, service, user, auth, status }) => ({ transport, service, user, auth, status })),
      [{ transport: 'ssh', service: 'git-receive-pack', user: 'git', auth: 'publickey', status: 0 }],
    );
  });

  it('logs only ls-refs for ls-remote and fetch for a clone (protocol v2)', async () => {
    server.clearRequests();
    assert.match(ok(await git(['ls-remote', server.sshUrl('org/app')])), /refs\/heads\/main/);
    assert.deepEqual(
      server.requests().map((entry) => [entry.service, entry.command]),
      [['git-upload-pack', 'ls-refs']],
    );

    server.clearRequests();
    ok(await git(['clone', '--quiet', server.sshUrl('org/app'), join(home, 'v2-clone')]));
    assert.deepEqual(
      server.requests().map((entry) => [entry.service, entry.command]),
      [['git-upload-pack', 'fetch']],
    );
  });

  it('recognizes protocol v0 fetches by their want lines', async () => {
    server.clearRequests();
    ok(await git(['-c', 'protocol.version=0', 'ls-remote', server.sshUrl('org/app')]));
    ok(
      await git(['-c', 'protocol.version=0', 'clone', '--quiet', server.sshUrl('org/app'), join(home, 'v0')]),
    );
    assert.deepEqual(
      server.requests().map((entry) => entry.command),
      [undefined, 'fetch'],
    );
  });

  it('fails host key verification against a different host key', async () => {
    const otherHost = generateEd25519KeyPair('impostor').publicKey.split(' ').slice(0, 2).join(' ');
    const knownHosts = await writeKeyFile(
      'other_known_hosts',
      `[127.0.0.1]:${server.sshPort} ${otherHost}\n`,
    );
    const result = await git(['ls-remote', server.sshUrl('org/app')], { ssh: { knownHosts } });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/);
  });

  it('refuses a key that is not authorized', async () => {
    const key = await writeKeyFile('id_wrong', generateEd25519KeyPair('stranger').privateKey);
    server.clearRequests();
    const result = await git(['ls-remote', server.sshUrl('org/app')], { ssh: { key } });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Permission denied \(publickey\)/);
    assert.deepEqual(server.requests(), []);
  });

  it('refuses other commands and paths outside the repository root', async () => {
    server.clearRequests();
    const shell = await sshExec('ls /');
    assert.equal(shell.code, 128);
    assert.match(shell.stderr, /only git-upload-pack and git-receive-pack/);

    for (const path of ['/../../etc', '/org/../../outside.git', '../app.git']) {
      const result = await sshExec(`git-upload-pack '${path}'`);
      assert.equal(result.code, 128, path);
      assert.match(result.stderr, /invalid repository name/, path);
    }
    const viaGit = await git(['ls-remote', `ssh://git@127.0.0.1:${server.sshPort}/../etc.git`]);
    assert.notEqual(viaGit.code, 0);

    const missing = await sshExec("git-receive-pack '/org/missing.git'");
    assert.equal(missing.code, 128);
    assert.match(missing.stderr, /does not exist/);
    assert.ok(
      server.requests().every((entry) => entry.status === 128),
      'expected: server.requests().every((entry) => entry.status === 128)',
    );
  });
});
