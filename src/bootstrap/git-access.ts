// How bootstrap reaches the repository: with the credentials the flags give (a src/git
// session), or, for SSH without --private-key-file, with the user's SSH agent (the
// generated deploy key is for the cluster; the user pushes with their own key).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deadline } from '../git/deadline.js';
import { GitSession, withGitSession } from '../git/session.js';
import type { GitAuth } from '../git/types.js';
import type { SessionRunner } from './repository.js';

export interface GitAccessOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export function credentialsAccess(opts: GitAccessOptions & { readonly auth: GitAuth }): SessionRunner {
  return (fn) =>
    withGitSession({ url: opts.url, auth: opts.auth, timeoutMs: opts.timeoutMs, signal: opts.signal }, fn);
}

/**
 * SSH through the agent at `agentSocket`, trusting only `knownHosts` (the host keys
 * that also go into the cluster's Secret).
 */
export function agentAccess(
  opts: GitAccessOptions & {
    readonly agentSocket: string;
    readonly knownHosts: string;
    readonly path: string;
  },
): SessionRunner {
  return async (fn) => {
    const dir = await mkdtemp(join(tmpdir(), 'tide-git-'));
    const deadline = new Deadline(opts.timeoutMs, opts.signal);
    try {
      const knownHosts = join(dir, 'known_hosts');
      await writeFile(knownHosts, opts.knownHosts, { mode: 0o600, flag: 'wx' });
      const env: Record<string, string> = {
        PATH: opts.path,
        HOME: dir,
        XDG_CONFIG_HOME: join(dir, '.config'),
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_TERMINAL_PROMPT: '0',
        GIT_ALLOW_PROTOCOL: 'ssh',
        SSH_AUTH_SOCK: opts.agentSocket,
        GIT_SSH_VARIANT: 'ssh',
        GIT_SSH_COMMAND: [
          'ssh -F /dev/null',
          `-o UserKnownHostsFile='${knownHosts.replace(/'/g, "'\\''")}'`,
          '-o GlobalKnownHostsFile=/dev/null',
          '-o StrictHostKeyChecking=yes',
          '-o BatchMode=yes',
          '-o PreferredAuthentications=publickey',
          '-o LogLevel=ERROR',
        ].join(' '),
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'core.hooksPath',
        GIT_CONFIG_VALUE_0: '/dev/null',
        LANG: 'C',
        LC_ALL: 'C',
      };
      const url = new URL(opts.url);
      if (url.username === '') url.username = 'git';
      return await fn(new GitSession(url.toString(), env, deadline, []));
    } finally {
      deadline.dispose();
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    }
  };
}
