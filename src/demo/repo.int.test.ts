import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { execGit, isolatedGitEnv } from '../gitserver/index.js';
import { eventually } from '../testenv/eventually.js';
import { DEMO_PATH, demoFiles } from './files.js';
import { DEMO_REPO, startDemoRepo } from './repo.js';

async function git(args: string[], cwd: string, home: string): Promise<string> {
  const res = await execGit(args, { cwd, env: isolatedGitEnv(home) });
  assert.equal(res.code, 0, `git ${args.join(' ')}: ${res.stderr}`);
  return res.stdout.toString('utf8').trim();
}

describe('the demo repository', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('serves the demo app, pushes each commit through the hook, and survives a restart', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tide-demo-'));
    dirs.push(dir);
    const home = await mkdtemp(path.join(os.tmpdir(), 'tide-demo-home-'));
    dirs.push(home);
    const first = await startDemoRepo(dir);
    const bare = path.join(first.server.repoRoot, `${DEMO_REPO}.git`);
    try {
      assert.ok(DEMO_PATH.startsWith('./apps/demo/'), 'the demo path is inside the repository');
      for (const file of Object.keys(demoFiles))
        assert.equal(await readFile(path.join(first.workdir, file), 'utf8'), demoFiles[file]);
      const initial = await git(['rev-parse', 'main'], bare, home);
      assert.equal(initial, await git(['rev-parse', 'HEAD'], first.workdir, home));

      // The user's workflow: edit, commit; the post-commit hook pushes.
      const since = Date.now();
      const patch = path.join(first.workdir, 'apps/demo/overlays/local/configmap-patch.yaml');
      await writeFile(patch, (await readFile(patch, 'utf8')).replace('Hello from Tide', 'Hello again'));
      await git(['commit', '--quiet', '-am', 'change the greeting'], first.workdir, home);
      const head = await git(['rev-parse', 'HEAD'], first.workdir, home);
      assert.equal(await git(['rev-parse', 'main'], bare, home), head, 'the hook pushed the commit');
      assert.equal(first.pushesSince(since), 1);
    } finally {
      await first.close();
    }

    // A commit made while tide is not running is pushed by the next start, on a new port.
    await writeFile(path.join(first.workdir, 'note.txt'), 'offline edit\n');
    await git(['add', 'note.txt'], first.workdir, home);
    const offline = await execGit(['commit', '--quiet', '-m', 'offline'], {
      cwd: first.workdir,
      env: isolatedGitEnv(home),
    });
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stderr, /push failed; is tide running/);
    const second = await startDemoRepo(dir);
    try {
      await eventually(async () => {
        assert.equal(
          await git(['rev-parse', 'main'], bare, home),
          await git(['rev-parse', 'HEAD'], second.workdir, home),
        );
      });
    } finally {
      await second.close();
    }
  });
});
