import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

const KILL_GRACE_MS = 2000;

/**
 * Tracks every git child the server spawns so `close()` can guarantee none outlive it: a test
 * runner that leaves a git-upload-pack behind would keep the event loop (and temp dir) alive.
 */
export class ChildProcesses {
  readonly #running = new Set<ChildProcess>();

  track(child: ChildProcess): void {
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    this.#running.add(child);
    const forget = (): void => {
      this.#running.delete(child);
    };
    child.once('exit', forget);
    child.once('error', forget);
  }

  get size(): number {
    return this.#running.size;
  }

  /** Sends SIGTERM to all tracked children, escalating to SIGKILL, and waits for them to exit. */
  async killAll(): Promise<void> {
    await Promise.all([...this.#running].map((child) => terminate(child)));
  }
}

/** Shell convention for a process's status: its exit code, or 128 + signal number if killed. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal === null ? 0 : constants.signals[signal]);
}

function terminate(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
