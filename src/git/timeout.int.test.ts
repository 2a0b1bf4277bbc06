import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkout } from './checkout.js';
import { GitAbortedError, GitTimeoutError } from './errors.js';
import { listRemoteRefs } from './remote.js';
import { startGitFixture, type GitFixture } from './test-fixtures.js';
import type { GitAuth } from './types.js';

const TIMEOUT_MS = 1500;
/** Spawn, kill and temp-dir removal on a loaded machine. */
const SLACK_MS = 1500;

let fx: GitFixture;
let silent: Server;
let port: number;
const sockets = new Set<Socket>();
let accepted = 0;

before(async () => {
  fx = await startGitFixture();
  // Accepts connections and never says anything: no TLS handshake, no SSH banner.
  silent = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    // Read (and drop) whatever the client sends, so its disconnect is noticed.
    socket.resume();
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as AddressInfo).port;
});

after(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await fx.close();
});

/** Polls until the hung connections are closed by the killed client (no fixed sleeps). */
async function eventuallyNoConnections(): Promise<void> {
  const deadline = Date.now() + 5000;
  while (sockets.size > 0 && Date.now() < deadline) await sleep(25);
  assert.equal(sockets.size, 0, 'the killed git/ssh processes closed their connections');
}

describe('a server that hangs after accept', () => {
  const targets: { name: string; url: () => string; auth: () => Promise<GitAuth> }[] = [
    {
      name: 'HTTPS',
      url: () => `https://127.0.0.1:${port}/org/app.git`,
      auth: () => Promise.resolve(fx.basicAuth()),
    },
    {
      name: 'SSH',
      url: () => `ssh://git@127.0.0.1:${port}/org/app.git`,
      auth: async () =>
        ({
          ...(await fx.sshAuth()),
          knownHosts: `[127.0.0.1]:${port} ${fx.server.sshKnownHosts.split(' ').slice(1).join(' ')}`,
        }) as GitAuth,
    },
  ];
  for (const target of targets) {
    it(`${target.name} ls-remote: GitTimeoutError within the timeout, temp dirs gone`, async () => {
      const before = accepted;
      const start = performance.now();
      await assert.rejects(
        listRemoteRefs({
          url: target.url(),
          auth: await target.auth(),
          timeoutMs: TIMEOUT_MS,
          tempDir: fx.tempDir,
        }),
        (error: unknown) => {
          assert.ok(error instanceof GitTimeoutError, `expected GitTimeoutError, got ${String(error)}`);
          assert.match(error.message, /git ls-remote .*127\.0\.0\.1.*timed out/);
          return true;
        },
      );
      const elapsed = performance.now() - start;
      assert.ok(elapsed >= TIMEOUT_MS - 50, `gave up early: ${elapsed.toFixed(0)} ms`);
      assert.ok(elapsed < TIMEOUT_MS + SLACK_MS, `took ${elapsed.toFixed(0)} ms`);
      assert.ok(accepted > before, 'git did connect to the silent server');
      assert.deepEqual(await fx.leftovers(), [], 'temp dirs removed');
      await eventuallyNoConnections();
    });
  }

  it('HTTPS checkout: GitTimeoutError, target dir and temp dirs gone', async () => {
    const dir = fx.freshPath('hang');
    await assert.rejects(
      checkout({
        url: targets[0]?.url() ?? '',
        auth: fx.basicAuth(),
        dir,
        timeoutMs: TIMEOUT_MS,
        tempDir: fx.tempDir,
      }),
      GitTimeoutError,
    );
    assert.deepEqual(await fx.leftovers(), [], 'temp dirs removed');
    await eventuallyNoConnections();
  });

  it("the caller's abort signal: GitAbortedError, promptly", async () => {
    const controller = new AbortController();
    const start = performance.now();
    const pending = listRemoteRefs({
      url: targets[0]?.url() ?? '',
      auth: fx.basicAuth(),
      timeoutMs: 60_000,
      signal: controller.signal,
      tempDir: fx.tempDir,
    });
    setTimeout(() => {
      controller.abort();
    }, 300);
    await assert.rejects(pending, GitAbortedError);
    assert.ok(performance.now() - start < 300 + SLACK_MS, 'aborted promptly');
    assert.deepEqual(await fx.leftovers(), [], 'temp dirs removed');
    await eventuallyNoConnections();
  });
});
