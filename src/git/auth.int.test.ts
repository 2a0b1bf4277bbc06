import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Repo } from '../gitserver/index.js';
import { checkout } from './checkout.js';
import { GitAuthError } from './errors.js';
import { listRemoteRefs, resolveRef } from './remote.js';
import { errorText, readTree, recordArgv, startGitFixture, type GitFixture } from './test-fixtures.js';
import { authFromSecret, type GitAuth } from './types.js';

const CANARY = `tide-canary-${Math.random().toString(36).slice(2)}-secret`;
const TIMEOUT_MS = 20_000;

let fx: GitFixture;
let repo: Repo;
let head: string;

before(async () => {
  fx = await startGitFixture();
  repo = await fx.server.createRepo('org/auth', { defaultBranch: 'master' });
  head = await repo.commit({ 'README.md': '# auth\n', 'deploy/app.yaml': 'kind: ConfigMap\n' });
});

after(async () => {
  await fx.close();
});

async function generateKey(
  name: string,
  passphrase = '',
): Promise<{ privateKey: string; publicKey: string }> {
  const path = join(fx.scratch, `${name}-${Math.random().toString(36).slice(2)}`);
  await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', name, '-f', path]);
  return {
    privateKey: await readFile(path, 'utf8'),
    publicKey: (await readFile(`${path}.pub`, 'utf8')).trim(),
  };
}

/** Asserts the error is a GitAuthError and that the canary reached none of the sinks. */
async function assertAuthFailure(
  operation: () => Promise<unknown>,
  pattern: RegExp,
  secrets: readonly string[] = [CANARY],
): Promise<void> {
  const { result: error, argv } = await recordArgv(fx.scratch, async () => {
    try {
      await operation();
    } catch (caught) {
      return caught;
    }
    return undefined;
  });
  assert.ok(error instanceof GitAuthError, `expected GitAuthError, got ${String(error)}`);
  assert.match(error.message, pattern);
  assert.match(error.message, /127\.0\.0\.1/, 'the message names the URL');
  const sinks = [errorText(error), argv, JSON.stringify(process.env)];
  for (const secret of secrets) {
    for (const sink of sinks) assert.ok(!sink.includes(secret), `secret leaked into ${sink.slice(0, 200)}`);
  }
  assert.ok(argv.includes('git '), 'the argv recorder saw git run');
  assert.deepEqual(await fx.leftovers(), [], 'temp dirs removed');
}

describe('authentication', () => {
  const transports: { name: string; url: () => string; auth: () => Promise<GitAuth> | GitAuth }[] = [
    { name: 'HTTPS basic', url: () => repo.httpsUrl, auth: () => fx.basicAuth() },
    { name: 'HTTPS bearer', url: () => repo.httpsUrl, auth: () => fx.bearerAuth() },
    { name: 'SSH key', url: () => repo.sshUrl, auth: () => fx.sshAuth() },
  ];
  for (const t of transports) {
    it(`${t.name}: ls-remote and checkout`, async () => {
      const auth = await t.auth();
      const refs = await listRemoteRefs({ url: t.url(), auth, timeoutMs: TIMEOUT_MS, tempDir: fx.tempDir });
      assert.equal(resolveRef(refs, undefined).revision, `master@sha1:${head}`);
      const dir = fx.freshPath('auth');
      const result = await checkout({ url: t.url(), auth, dir, timeoutMs: TIMEOUT_MS, tempDir: fx.tempDir });
      assert.equal(result.commit, head);
      assert.equal(await readFile(join(dir, 'deploy/app.yaml'), 'utf8'), 'kind: ConfigMap\n');
      assert.deepEqual(await fx.leftovers(), [], 'temp dirs removed');
      // Nothing secret is persisted in the checkout (.git/config included).
      const tree = await readTree(dir);
      for (const secret of [fx.server.credentials.password, fx.server.credentials.token, 'PRIVATE KEY']) {
        assert.ok(!tree.includes(secret), 'a credential was written into the checkout');
      }
    });
  }

  it('HTTPS credentials from a Flux Secret (ca.crt, username, password)', async () => {
    const auth = authFromSecret(repo.httpsUrl, {
      username: Buffer.from(fx.server.credentials.username),
      password: Buffer.from(fx.server.credentials.password),
      'ca.crt': Buffer.from(fx.server.caCertPem),
    });
    const refs = await listRemoteRefs({
      url: repo.httpsUrl,
      auth,
      timeoutMs: TIMEOUT_MS,
      tempDir: fx.tempDir,
    });
    assert.equal(refs.headTarget, 'refs/heads/master');
  });

  it('SSH identity encrypted with a passphrase (password key)', async () => {
    const key = await generateKey('encrypted', CANARY);
    const server = await (
      await import('../gitserver/index.js')
    ).startGitServer({ sshAuthorizedKeys: [key.publicKey] });
    try {
      const other = await server.createRepo('org/enc');
      const sha = await other.commit({ a: '1' });
      const auth = authFromSecret(other.sshUrl, {
        identity: key.privateKey,
        known_hosts: server.sshKnownHosts,
        password: CANARY,
      });
      const refs = await listRemoteRefs({
        url: other.sshUrl,
        auth,
        timeoutMs: TIMEOUT_MS,
        tempDir: fx.tempDir,
      });
      assert.equal(refs.refs.get('refs/heads/main')?.oid, sha);
      // The same key with a wrong passphrase fails as an auth error and leaks neither passphrase.
      await assertAuthFailure(
        () =>
          listRemoteRefs({
            url: other.sshUrl,
            auth: { ...auth, password: `${CANARY}-wrong` } as GitAuth,
            timeoutMs: TIMEOUT_MS,
            tempDir: fx.tempDir,
          }),
        /authentication failed/,
      );
    } finally {
      await server.close();
    }
  });

  it('wrong password: GitAuthError without the secret', async () => {
    const auth: GitAuth = {
      kind: 'basic',
      username: 'tide',
      password: CANARY,
      tls: { caCert: fx.server.caCertPem },
    };
    await assertAuthFailure(
      () => listRemoteRefs({ url: repo.httpsUrl, auth, timeoutMs: TIMEOUT_MS, tempDir: fx.tempDir }),
      /authentication failed/,
      [CANARY, Buffer.from(`tide:${CANARY}`).toString('base64')],
    );
  });

  it('wrong token in checkout: GitAuthError without the secret, target dir cleaned', async () => {
    const auth: GitAuth = { kind: 'bearer', token: CANARY, tls: { caCert: fx.server.caCertPem } };
    const dir = fx.freshPath('wrong-token');
    await assertAuthFailure(
      () => checkout({ url: repo.httpsUrl, auth, dir, timeoutMs: TIMEOUT_MS, tempDir: fx.tempDir }),
      /authentication failed/,
    );
    await assert.rejects(readFile(join(dir, 'README.md')), 'the failed checkout left no files');
  });

  it('credentials in the URL are not passed to git', async () => {
    const url = repo.httpsUrl.replace('https://', `https://tide:${CANARY}@`);
    const auth = authFromSecret(url, { 'ca.crt': fx.server.caCertPem });
    await assertAuthFailure(
      () => listRemoteRefs({ url, auth, timeoutMs: TIMEOUT_MS, tempDir: fx.tempDir }),
      /authentication failed/,
    );
  });

  it('unauthorized SSH key: GitAuthError without key material', async () => {
    const key = await generateKey('stranger');
    const body = key.privateKey.split('\n')[1] ?? '';
    assert.ok(body.length > 20, 'key body present');
    await assertAuthFailure(
      () =>
        listRemoteRefs({
          url: repo.sshUrl,
          auth: { kind: 'ssh', identity: key.privateKey, knownHosts: fx.server.sshKnownHosts },
          timeoutMs: TIMEOUT_MS,
          tempDir: fx.tempDir,
        }),
      /permission denied \(publickey\)/i,
      [body],
    );
  });

  it('unknown host key: refused', async () => {
    const impostor = await generateKey('impostor-host');
    const knownHosts = `[127.0.0.1]:${fx.server.sshPort} ${impostor.publicKey}`;
    const auth: GitAuth = { ...(await fx.sshAuth()), knownHosts } as GitAuth;
    await assertAuthFailure(
      () => listRemoteRefs({ url: repo.sshUrl, auth, timeoutMs: TIMEOUT_MS, tempDir: fx.tempDir }),
      /host key verification failed/i,
    );
  });

  it('host absent from known_hosts: refused (no trust on first use)', async () => {
    const auth: GitAuth = {
      ...(await fx.sshAuth()),
      knownHosts: fx.server.sshKnownHosts.replace('127.0.0.1', 'other.invalid'),
    } as GitAuth;
    await assertAuthFailure(
      () => listRemoteRefs({ url: repo.sshUrl, auth, timeoutMs: TIMEOUT_MS, tempDir: fx.tempDir }),
      /host key verification failed/i,
    );
  });

  it('missing known_hosts: refused before connecting', async () => {
    let connections = 0;
    const listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const url = `ssh://git@127.0.0.1:${(listener.address() as AddressInfo).port}/org/auth.git`;
    try {
      const identity = (await fx.sshAuth()).kind === 'ssh' ? CANARY : '';
      assert.throws(
        () => authFromSecret(url, { identity }),
        (error: unknown) => {
          assert.ok(error instanceof GitAuthError, String(error));
          assert.match(error.message, /'known_hosts'/);
          assert.ok(!errorText(error).includes(CANARY), 'identity leaked');
          return true;
        },
      );
      await assert.rejects(
        listRemoteRefs({ url, auth: { kind: 'none' }, timeoutMs: TIMEOUT_MS, tempDir: fx.tempDir }),
        (error: unknown) => error instanceof GitAuthError && /known_hosts/.test(error.message),
      );
      assert.equal(connections, 0, 'no connection was attempted');
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });
});
