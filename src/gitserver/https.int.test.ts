import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execGit, isolatedGitEnv, type GitResult } from './git-process.js';
import { startGitServer } from './server.js';
import type { GitServer, Repo } from './types.js';

let server: GitServer;
let repo: Repo;
let home: string;

/** Client git with a throwaway HOME, no prompts, and the server's CA trusted. */
function git(args: string[], options: { cwd?: string; trustCa?: boolean } = {}): Promise<GitResult> {
  const ca = options.trustCa === false ? [] : ['-c', `http.sslCAInfo=${server.caCertPath}`];
  return execGit([...ca, ...args], { cwd: options.cwd, env: isolatedGitEnv(home) });
}

function urlWith(name: string, username: string, password: string): string {
  const url = new URL(server.httpsUrl(name));
  url.username = username;
  url.password = password;
  return url.toString();
}

function authedUrl(name = 'org/app'): string {
  return urlWith(name, server.credentials.username, server.credentials.password);
}

function ok(result: GitResult): string {
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.toString('utf8');
}

/** Raw HTTPS GET with a hand-written path, bypassing client-side URL normalization. */
function rawGet(path: string): Promise<number> {
  const auth = Buffer.from(`${server.credentials.username}:${server.credentials.password}`).toString(
    'base64',
  );
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.httpsPort,
        path,
        ca: server.caCertPem,
        headers: { authorization: `Basic ${auth}` },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  server = await startGitServer();
  home = await mkdtemp(join(tmpdir(), 'tide-gitserver-client-'));
  repo = await server.createRepo('org/app');
  await repo.commit(
    { 'README.md': '# app\n', 'deploy/app.yaml': 'kind: ConfigMap\n' },
    { message: 'initial' },
  );
});

after(async () => {
  await server.close();
  await rm(home, { recursive: true, force: true });
});

describe('HTTPS transport', () => {
  it('clones and pushes with basic auth', async () => {
    const dir = join(home, 'basic');
    ok(await git(['clone', '--quiet', authedUrl(), dir]));
    assert.equal(await readFile(join(dir, 'deploy/app.yaml'), 'utf8'), 'kind: ConfigMap\n');

    await writeFile(join(dir, 'new.txt'), 'pushed over https\n');
    ok(await git(['add', 'new.txt'], { cwd: dir }));
    ok(
      await git(['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qm', 'push'], {
        cwd: dir,
      }),
    );
    server.clearRequests();
    ok(await git(['push', '--quiet', 'origin', 'HEAD:main'], { cwd: dir }));

    const pushed = ok(await git(['rev-parse', 'HEAD'], { cwd: dir })).trim();
    assert.equal(await repo.head('main'), pushed);
    assert.equal(await repo.show('main', 'new.txt'), 'pushed over https\n');
    const receive = server.requests().filter((entry) => entry.service === 'git-receive-pack');
    assert.equal(receive.length, 1);
    assert.deepEqual(
      { ...receive[0], time: undefined },
      {
        time: undefined,
        transport: 'https',
        repo: 'org/app',
        service: 'git-receive-pack',
        user: 'tide',
        auth: 'basic',
        status: 200,
      },
    );
  });

  it('clones with a bearer token', async () => {
    server.clearRequests();
    const header = `http.extraHeader=Authorization: Bearer ${server.credentials.token}`;
    ok(await git(['-c', header, 'clone', '--quiet', server.httpsUrl('org/app'), join(home, 'bearer')]));
    const entries = server.requests();
    assert.ok(entries.length >= 2, 'expected: entries.length >= 2');
    assert.ok(
      entries.every((entry) => entry.auth === 'bearer' && entry.user === 'tide' && entry.status === 200),
      'expected: entries.every((entry) => entry.auth === "bearer" && entry.user === ...',
    );
  });

  it('refuses a wrong password, a wrong token and missing credentials', async () => {
    server.clearRequests();
    const wrong = await git(['ls-remote', urlWith('org/app', 'tide', 'not-the-password')]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /Authentication failed|401/);
    assert.ok(
      !wrong.stderr.includes(server.credentials.password),
      'expected: !wrong.stderr.includes(server.credentials.password)',
    );
    assert.ok(
      server.requests().some((entry) => entry.status === 401 && entry.auth === 'basic'),
      'expected: server.requests().some((entry) => entry.status === 401 && entry.aut...',
    );

    const badToken = await git([
      '-c',
      'http.extraHeader=Authorization: Bearer nope',
      'ls-remote',
      server.httpsUrl('org/app'),
    ]);
    assert.notEqual(badToken.code, 0);
    assert.ok(
      server.requests().some((entry) => entry.status === 401 && entry.auth === 'bearer'),
      'expected: server.requests().some((entry) => entry.status === 401 && entry.aut...',
    );

    const anonymous = await git(['ls-remote', server.httpsUrl('org/app')]);
    assert.notEqual(anonymous.code, 0);
    assert.ok(
      !server.requests().some((entry) => entry.status === 200),
      'expected: !server.requests().some((entry) => entry.status === 200)',
    );
  });

  it('logs only ls-refs for ls-remote and fetch for a clone (protocol v2)', async () => {
    server.clearRequests();
    assert.match(ok(await git(['ls-remote', authedUrl()])), /refs\/heads\/main/);
    const listing = server.requests().filter((entry) => entry.status === 200);
    assert.deepEqual(
      listing.map((entry) => [entry.service, entry.command]),
      [
        ['info-refs', 'git-upload-pack'],
        ['git-upload-pack', 'ls-refs'],
      ],
    );

    server.clearRequests();
    ok(await git(['clone', '--quiet', authedUrl(), join(home, 'v2-clone')]));
    const commands = server.requests().filter((entry) => entry.service === 'git-upload-pack');
    assert.deepEqual(
      commands.map((entry) => entry.command),
      ['ls-refs', 'fetch'],
    );
  });

  it('recognizes protocol v0 fetches by their want lines', async () => {
    server.clearRequests();
    ok(await git(['-c', 'protocol.version=0', 'ls-remote', authedUrl()]));
    assert.ok(
      server.requests().every((entry) => entry.service === 'info-refs'),
      'expected: server.requests().every((entry) => entry.service === "info-refs")',
    );

    server.clearRequests();
    ok(await git(['-c', 'protocol.version=0', 'clone', '--quiet', authedUrl(), join(home, 'v0-clone')]));
    const upload = server.requests().filter((entry) => entry.service === 'git-upload-pack');
    assert.deepEqual(
      upload.map((entry) => entry.command),
      ['fetch'],
    );
  });

  it('sniffs gzip-compressed fetch requests', async () => {
    // git gzips upload-pack requests over 1 KiB; 40 distinct wants make ~2 KiB.
    const many = await server.createRepo('many-refs');
    for (let i = 0; i < 40; i++) {
      await many.commit({ 'n.txt': `${i}\n` }, { branch: `b${i}`, message: `b${i}` });
    }
    server.clearRequests();
    ok(await git(['clone', '--quiet', '--no-checkout', authedUrl('many-refs'), join(home, 'many')]));
    const fetches = server.requests().filter((entry) => entry.command === 'fetch');
    assert.equal(fetches.length, 1);
    assert.equal(fetches[0]?.status, 200);
  });

  it('serves a trusted certificate only to clients that trust the CA', async () => {
    const untrusted = await git(['ls-remote', authedUrl()], { trustCa: false });
    assert.notEqual(untrusted.code, 0);
    assert.match(untrusted.stderr, /certificate|SSL/i);
    const viaLocalhost = authedUrl().replace('127.0.0.1', 'localhost');
    assert.match(ok(await git(['ls-remote', viaLocalhost])), /refs\/heads\/main/);
  });

  it('answers 404 for unknown repositories and refuses path traversal', async () => {
    const missing = await git(['ls-remote', authedUrl('org/missing')]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /not found/);
    assert.equal(await rawGet('/org/app.git/info/refs?service=git-upload-pack'), 200);
    for (const path of [
      '/org/../org/app.git/info/refs',
      '/%2e%2e/app.git/info/refs',
      '/../../etc.git/info/refs',
    ]) {
      assert.equal(await rawGet(`${path}?service=git-upload-pack`), 404, path);
    }
    assert.equal(await rawGet('/org/app.git/HEAD'), 404);
  });
});
