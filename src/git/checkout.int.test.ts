import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Repo } from '../gitserver/index.js';
import { checkout } from './checkout.js';
import { GitInvalidInputError, GitNotFoundError } from './errors.js';
import { listRemoteRefs } from './remote.js';
import { recordArgv, startGitFixture, type GitFixture } from './test-fixtures.js';
import type { GitAuth } from './types.js';

const TIMEOUT_MS = 20_000;

let fx: GitFixture;
let repo: Repo;
let auth: GitAuth;

before(async () => {
  fx = await startGitFixture();
  auth = fx.basicAuth();
  repo = await fx.server.createRepo('org/tree', { defaultBranch: 'master' });
  await repo.commit({
    'README.md': 'root\n',
    'apps/a.yaml': 'a\n',
    'apps/nested/b.yaml': 'b\n',
    'apps-other/c.yaml': 'c\n',
    'infra/base/d.yaml': 'd\n',
    'infra/other/e.yaml': 'e\n',
  });
});

after(async () => {
  await fx.close();
});

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .filter((p) => !p.startsWith('.git/') && p !== '.git')
    .sort();
}

describe('checkout', () => {
  it('materializes only the sparse directories', async () => {
    const dir = fx.freshPath('sparse');
    await checkout({
      url: repo.httpsUrl,
      auth,
      dir,
      sparseCheckout: ['./apps/', 'infra/base'],
      timeoutMs: TIMEOUT_MS,
      tempDir: fx.tempDir,
    });
    assert.deepEqual(await files(dir), ['apps/a.yaml', 'apps/nested/b.yaml', 'infra/base/d.yaml']);
  });

  it('checks out the whole tree without sparseCheckout', async () => {
    const dir = fx.freshPath('full');
    await checkout({ url: repo.httpsUrl, auth, dir, timeoutMs: TIMEOUT_MS, tempDir: fx.tempDir });
    assert.equal((await files(dir)).length, 6);
  });

  it('rejects ../../etc before git runs', async () => {
    const dir = fx.freshPath('escape');
    fx.server.clearRequests();
    const { result: error, argv } = await recordArgv(fx.scratch, () =>
      checkout({
        url: repo.httpsUrl,
        auth,
        dir,
        sparseCheckout: ['apps', '../../etc'],
        timeoutMs: TIMEOUT_MS,
        tempDir: fx.tempDir,
      }).then(
        () => undefined,
        (caught: unknown) => caught,
      ),
    );
    assert.ok(error instanceof GitInvalidInputError, `expected GitInvalidInputError, got ${String(error)}`);
    assert.match(error.message, /\.\.\/\.\.\/etc/);
    assert.equal(argv, '', 'git never ran');
    assert.deepEqual(fx.server.requests(), [], 'the server saw nothing');
    await assert.rejects(readdir(dir), 'the target dir was not created');
  });

  it('refuses a non-empty target directory', async () => {
    const dir = fx.freshPath('busy');
    await mkdir(dir);
    await writeFile(join(dir, 'keep'), 'x');
    await assert.rejects(
      checkout({ url: repo.httpsUrl, auth, dir, timeoutMs: TIMEOUT_MS, tempDir: fx.tempDir }),
      GitInvalidInputError,
    );
    assert.equal(await readFile(join(dir, 'keep'), 'utf8'), 'x', 'existing content untouched');
  });

  it('removes a directory it created when the checkout fails', async () => {
    const dir = fx.freshPath('fails');
    await assert.rejects(
      checkout({
        url: repo.httpsUrl,
        auth,
        ref: { branch: 'nope' },
        dir,
        timeoutMs: TIMEOUT_MS,
        tempDir: fx.tempDir,
      }),
      (error: unknown) =>
        error instanceof GitNotFoundError && /couldn't find remote ref refs\/heads\/nope/.test(error.message),
    );
    await assert.rejects(readdir(dir), 'the target dir is gone');
    assert.deepEqual(await fx.leftovers(), [], 'temp dirs removed');
  });

  it('fetches submodules recursively with the same auth when asked', async () => {
    const leaf = await fx.server.createRepo('org/leaf');
    await leaf.commit({ 'leaf.txt': 'leaf\n' });
    const lib = await fx.server.createRepo('org/lib');
    await lib.commit({ 'lib.txt': 'lib\n' });
    const libWork = await fx.workClone(lib);
    await fx.git(['submodule', 'add', '--quiet', '../leaf.git', 'deps/leaf'], { cwd: libWork });
    await fx.git(['commit', '--quiet', '-m', 'add leaf'], { cwd: libWork });
    await fx.git(['push', '--quiet', 'origin', 'HEAD:main'], { cwd: libWork });
    const app = await fx.server.createRepo('org/with-subs', { defaultBranch: 'master' });
    await app.commit({ 'app.txt': 'app\n' });
    const appWork = await fx.workClone(app);
    await fx.git(['submodule', 'add', '--quiet', '../lib.git', 'vendor/lib'], { cwd: appWork });
    await fx.git(['commit', '--quiet', '-m', 'add lib'], { cwd: appWork });
    await fx.git(['push', '--quiet', 'origin', 'HEAD:master'], { cwd: appWork });

    const withSubs = fx.freshPath('subs');
    await checkout({
      url: app.httpsUrl,
      auth,
      dir: withSubs,
      recurseSubmodules: true,
      timeoutMs: TIMEOUT_MS,
      tempDir: fx.tempDir,
    });
    assert.equal(await readFile(join(withSubs, 'vendor/lib/lib.txt'), 'utf8'), 'lib\n');
    assert.equal(await readFile(join(withSubs, 'vendor/lib/deps/leaf/leaf.txt'), 'utf8'), 'leaf\n');

    const withoutSubs = fx.freshPath('nosubs');
    await checkout({ url: app.httpsUrl, auth, dir: withoutSubs, timeoutMs: TIMEOUT_MS, tempDir: fx.tempDir });
    assert.deepEqual(
      await readdir(join(withoutSubs, 'vendor/lib')),
      [],
      'submodule not fetched unless asked',
    );
    assert.deepEqual(await fx.leftovers(), [], 'temp dirs removed');
  });

  it('timing: ls-remote and shallow clone against the local server', async (t) => {
    const big = await fx.server.createRepo('org/timing', { defaultBranch: 'master' });
    const tree: Record<string, string> = {};
    for (let i = 0; i < 200; i++)
      tree[`manifests/app-${i}.yaml`] = `kind: ConfigMap\nmetadata:\n  name: app-${i}\n`;
    for (let i = 0; i < 20; i++) await big.commit({ ...tree, 'rev.txt': String(i) });
    const samples = { lsRemote: [] as number[], clone: [] as number[] };
    for (const [name, a] of [
      ['https', auth],
      ['ssh', await fx.sshAuth()],
    ] as const) {
      const url = name === 'https' ? big.httpsUrl : big.sshUrl;
      for (let i = 0; i < 3; i++) {
        let start = performance.now();
        await listRemoteRefs({ url, auth: a, timeoutMs: TIMEOUT_MS });
        samples.lsRemote.push(performance.now() - start);
        start = performance.now();
        await checkout({ url, auth: a, dir: fx.freshPath('timing'), timeoutMs: TIMEOUT_MS });
        samples.clone.push(performance.now() - start);
      }
      const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
      t.diagnostic(
        `${name}: ls-remote median ${median(samples.lsRemote).toFixed(0)} ms, shallow checkout (201 files, 20 commits) median ${median(samples.clone).toFixed(0)} ms`,
      );
      samples.lsRemote = [];
      samples.clone = [];
    }
  });
});
