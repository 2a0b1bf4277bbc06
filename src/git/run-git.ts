// Spawns git with an argument array (never a shell) in its own process group, so a timeout or
// abort kills git together with its helpers (git-remote-https, ssh, submodule clones).
import { spawn } from 'node:child_process';

/** After SIGKILL, how long to wait for the pipes to close before giving up on stray holders. */
const CLOSE_GRACE_MS = 3000;
const STDERR_KEEP_BYTES = 16 * 1024;
const DEFAULT_MAX_STDOUT_BYTES = 64 * 1024 * 1024;

export interface RunGitOptions {
  env: Readonly<Record<string, string>>;
  cwd?: string;
  /** Aborting kills the whole process group. */
  signal: AbortSignal;
  maxStdoutBytes?: number;
}

export type RunGitResult =
  | { kind: 'exited'; code: number; stdout: Buffer; stderr: string }
  /** Killed because the signal fired. */
  | { kind: 'aborted'; stderr: string }
  /** Killed because stdout passed maxStdoutBytes. */
  | { kind: 'overflow'; stderr: string };

/** Runs git to completion; rejects only if it cannot be started. */
export function runGit(args: readonly string[], options: RunGitOptions): Promise<RunGitResult> {
  if (options.signal.aborted) return Promise.resolve({ kind: 'aborted', stderr: '' });
  const maxStdout = options.maxStdoutBytes ?? DEFAULT_MAX_STDOUT_BYTES;
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = Buffer.alloc(0);
    let killedFor: 'aborted' | 'overflow' | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const finish = (result: RunGitResult | Error): void => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      if (graceTimer !== undefined) clearTimeout(graceTimer);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const killGroup = (reason: 'aborted' | 'overflow'): void => {
      killedFor ??= reason;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is already gone.
        }
      }
      // A helper that escaped the group could hold the pipes open; don't wait for it forever.
      graceTimer ??= setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish({ kind: killedFor ?? 'aborted', stderr: stderr.toString('utf8') });
      }, CLOSE_GRACE_MS);
    };
    function onAbort(): void {
      killGroup('aborted');
    }

    options.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxStdout) {
        killGroup('overflow');
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > STDERR_KEEP_BYTES) stderr = stderr.subarray(stderr.length - STDERR_KEEP_BYTES);
    });
    child.on('error', (error) => {
      finish(new Error(`cannot run git: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      const text = stderr.toString('utf8');
      if (killedFor !== undefined) {
        finish({ kind: killedFor, stderr: text });
        return;
      }
      finish({
        kind: 'exited',
        code: code ?? 128 + (signal === null ? 0 : 1),
        stdout: Buffer.concat(stdout),
        stderr: text,
      });
    });
  });
}
