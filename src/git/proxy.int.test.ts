import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Repo } from '../gitserver/index.js';
import { checkout } from './checkout.js';
import { GitAuthError, GitInvalidInputError } from './errors.js';
import { listRemoteRefs } from './remote.js';
import { errorText, startGitFixture, type GitFixture } from './test-fixtures.js';
import { proxyFromSecret } from './types.js';

const CANARY = `tide-proxy-canary-${Math.random().toString(36).slice(2)}`;
const PROXY_USER = 'proxy-user';
const PROXY_PASSWORD = 'proxy-pass';
const TIMEOUT_MS = 20_000;

let fx: GitFixture;
let repo: Repo;
let proxy: Server;
let proxyAddress: string;
const connects: { target: string; authorized: boolean }[] = [];
/** Tunnel sockets leave the HTTP server's bookkeeping, so close() would wait for them forever. */
const tunnels = new Set<Duplex>();

before(async () => {
  fx = await startGitFixture();
  repo = await fx.server.createRepo('org/proxied', { defaultBranch: 'master' });
  await repo.commit({ 'a.txt': 'via proxy\n' });
  // A minimal HTTP CONNECT proxy with basic proxy authentication.
  const expected = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;
  proxy = createServer((_req, res) => {
    res.writeHead(405).end();
  });
  proxy.on('connect', (req, client, head) => {
    const target = req.url ?? '';
    const authorized = req.headers['proxy-authorization'] === expected;
    connects.push({ target, authorized });
    tunnels.add(client);
    client.on('close', () => tunnels.delete(client));
    client.on('error', () => undefined);
    if (!authorized) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="tide"\r\n\r\n',
      );
      return;
    }
    const [host = '', port = ''] = target.split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyAddress = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

after(async () => {
  for (const socket of tunnels) socket.destroy();
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  await fx.close();
});

describe('proxy', () => {
  it('ls-remote and checkout go through the authenticated proxy', async () => {
    connects.length = 0;
    const p = proxyFromSecret({ address: proxyAddress, username: PROXY_USER, password: PROXY_PASSWORD });
    const refs = await listRemoteRefs({
      url: repo.httpsUrl,
      auth: fx.basicAuth(),
      proxy: p,
      timeoutMs: TIMEOUT_MS,
    });
    assert.ok(refs.refs.has('refs/heads/master'), 'listed through the proxy');
    const result = await checkout({
      url: repo.httpsUrl,
      auth: fx.basicAuth(),
      proxy: p,
      dir: fx.freshPath('proxied'),
      timeoutMs: TIMEOUT_MS,
    });
    assert.equal(result.commit, refs.refs.get('refs/heads/master')?.oid);
    assert.ok(
      connects.some((c) => c.authorized && c.target === `127.0.0.1:${fx.server.httpsPort}`),
      `proxy saw ${JSON.stringify(connects)}`,
    );
  });

  it('a wrong proxy password is an auth error without the password', async () => {
    const p = { address: proxyAddress, username: PROXY_USER, password: CANARY };
    await assert.rejects(
      listRemoteRefs({
        url: repo.httpsUrl,
        auth: fx.basicAuth(),
        proxy: p,
        timeoutMs: TIMEOUT_MS,
        tempDir: fx.tempDir,
      }),
      (error: unknown) => {
        assert.ok(error instanceof GitAuthError, `expected GitAuthError, got ${String(error)}`);
        assert.ok(!errorText(error).includes(CANARY), 'proxy password leaked');
        return true;
      },
    );
    assert.deepEqual(await fx.leftovers(), [], 'temp dirs removed');
  });

  it('refuses a proxy for SSH URLs', async () => {
    await assert.rejects(
      listRemoteRefs({
        url: repo.sshUrl,
        auth: await fx.sshAuth(),
        proxy: { address: proxyAddress },
        timeoutMs: TIMEOUT_MS,
      }),
      GitInvalidInputError,
    );
  });
});
