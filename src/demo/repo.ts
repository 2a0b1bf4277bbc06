// The demo repository: a working clone the user edits (kept across runs) and the bare
// repository the git server serves to the source controller. A post-commit hook pushes
// each commit, so "edit, commit" is all it takes to see a change synced.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execGit, isolatedGitEnv, startGitServer, type GitServer } from '../gitserver/index.js';
import { demoFiles } from './files.js';

export const DEMO_REPO = 'demo/app';
export const DEMO_USER = 'tide';

export interface DemoRepo {
  readonly server: GitServer;
  /** The working clone the user edits. */
  readonly workdir: string;
  /** HTTPS URL of the served repository (what the GitRepository points at). */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Commits pushed to the server since `since` (a receive-pack that succeeded). */
  pushesSince(since: number): number;
  close(): Promise<void>;
}

async function git(args: readonly string[], cwd: string, env: Record<string, string>): Promise<string> {
  const res = await execGit(args, { cwd, env });
  if (res.code !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${res.stderr.trim()}`);
  return res.stdout.toString('utf8').trim();
}

/** A password kept in the demo directory (0600) so the clone's remote keeps working across runs. */
async function demoPassword(dir: string): Promise<string> {
  const file = path.join(dir, 'git-password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

const POST_COMMIT_HOOK = `#!/bin/sh
# Installed by tide: push every commit to the git server the tide demo runs.
git push --quiet origin HEAD:main 2>/dev/null || echo "tide demo: push failed; is tide running? (git push origin HEAD:main)" >&2
`;

/**
 * Starts the git server over `<dir>/git` and makes sure the working clone `<dir>/app`
 * exists, points at this run's server (its port and CA change per run) and is pushed.
 */
export async function startDemoRepo(dir: string): Promise<DemoRepo> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const password = await demoPassword(dir);
  const server = await startGitServer({ dir: path.join(dir, 'git'), username: DEMO_USER, password });
  try {
    const home = path.join(dir, '.home');
    await mkdir(home, { recursive: true });
    const env = isolatedGitEnv(home);
    const workdir = path.join(dir, 'app');
    const bare = path.join(server.repoRoot, `${DEMO_REPO}.git`);
    if (!existsSync(bare)) await server.createRepo(DEMO_REPO, { defaultBranch: 'main' });
    const caFile = path.join(dir, 'git-ca.crt');
    await writeFile(caFile, server.caCertPem);
    const url = server.httpsUrl(DEMO_REPO);
    const remote = new URL(url);
    remote.username = DEMO_USER;
    remote.password = password;
    if (!existsSync(path.join(workdir, '.git'))) {
      await mkdir(workdir, { recursive: true });
      for (const [file, content] of Object.entries(demoFiles)) {
        await mkdir(path.dirname(path.join(workdir, file)), { recursive: true });
        await writeFile(path.join(workdir, file), content);
      }
      await git(['init', '--quiet', '--initial-branch=main'], workdir, env);
      await git(['config', 'user.name', 'Tide Demo'], workdir, env);
      await git(['config', 'user.email', 'demo@tide.invalid'], workdir, env);
      await git(['add', '--all'], workdir, env);
      await git(['commit', '--quiet', '-m', 'The Tide demo app'], workdir, env);
      await git(['remote', 'add', 'origin', remote.href], workdir, env);
    } else {
      await git(['remote', 'set-url', 'origin', remote.href], workdir, env);
    }
    await git(['config', 'http.sslCAInfo', caFile], workdir, env);
    const hook = path.join(workdir, '.git', 'hooks', 'post-commit');
    await mkdir(path.dirname(hook), { recursive: true });
    await writeFile(hook, POST_COMMIT_HOOK);
    await chmod(hook, 0o755);
    // Commits made while tide was not running are pushed now; a rewritten history wins.
    await git(['push', '--quiet', '--force', 'origin', 'HEAD:main'], workdir, env);
    return {
      server,
      workdir,
      url,
      username: DEMO_USER,
      password,
      pushesSince: (since) =>
        server
          .requests()
          .filter(
            (r) =>
              r.repo === DEMO_REPO &&
              r.service === 'git-receive-pack' &&
              r.status < 400 &&
              r.time.getTime() >= since,
          ).length,
      close: () => server.close(),
    };
  } catch (err) {
    await server.close();
    throw err;
  }
}
