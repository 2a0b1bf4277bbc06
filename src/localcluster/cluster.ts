// Starts and stops the local cluster supervisor (localcluster/ Go binary).
// Attached clusters die with the Node process that started them: the
// supervisor watches its stdin and stops everything when the pipe closes.
// Detached clusters outlive the CLI and are stopped by `stopCluster`.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  ClusterStartError,
  parseEvent,
  SupervisorExit,
  type ClusterState,
  type SupervisorEvent,
} from './events.js';

export interface StartOptions {
  /** The localcluster binary (see ensureBinary). */
  readonly binary: string;
  /** State directory; a fresh temp directory, removed on stop, by default. */
  readonly dir?: string;
  /** Loopback port for the apiserver; a free one by default. */
  readonly apiserverPort?: number;
  readonly nodes?: number;
  readonly timeoutSeconds?: number;
  /** Extra flags for one component, e.g. { 'kube-apiserver': ['--v=2'] }. */
  readonly componentArgs?: Readonly<Record<string, readonly string[]>>;
  /** Receives the supervisor's human-readable output. */
  readonly onLog?: (line: string) => void;
}

export interface LocalCluster extends ClusterState {
  /** Stops every component and, for a temp directory, removes it. */
  stop(): Promise<void>;
  /** Stops and restarts the apiserver on the same port and storage. */
  restartApiServer(): Promise<void>;
}

function supervisorArgs(dir: string, opts: StartOptions, extra: readonly string[]): string[] {
  const args = ['up', '--dir', dir, ...extra];
  if (opts.apiserverPort !== undefined) args.push('--apiserver-port', String(opts.apiserverPort));
  if (opts.nodes !== undefined) args.push('--nodes', String(opts.nodes));
  if (opts.timeoutSeconds !== undefined) args.push('--timeout', `${opts.timeoutSeconds}s`);
  for (const [component, flags] of Object.entries(opts.componentArgs ?? {})) {
    for (const flag of flags) args.push('--component-arg', `${component}=${flag}`);
  }
  return args;
}

/** Starts a cluster owned by this process. */
export async function startLocalCluster(opts: StartOptions): Promise<LocalCluster> {
  const tempDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'tide-cluster-')));
  const extra = ['--watch-stdin', ...(tempDir ? ['--remove-dir'] : [])];
  const child = spawn(opts.binary, supervisorArgs(dir, opts, extra), { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 40) stderrTail.shift();
    opts.onLog?.(line);
  });
  const events = eventStream(child);
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => { resolve(code ?? 1); }));

  const first = await Promise.race([events.next(), exited.then((code) => ({ exitCode: code }))]);
  if ('exitCode' in first || first.event !== 'ready') {
    const exitCode = 'exitCode' in first ? first.exitCode : await exited;
    if (tempDir && exitCode !== SupervisorExit.failed) await rm(dir, { recursive: true, force: true });
    throw startError('exitCode' in first ? undefined : first, exitCode, stderrTail, dir);
  }
  const state = first;
  // Let the test process exit while the cluster runs; stdin EOF then stops it.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();

  let stopping: Promise<void> | undefined;
  return {
    pid: state.pid,
    dir: state.dir,
    kubeconfig: state.kubeconfig,
    server: state.server,
    components: state.components,
    startedInSeconds: state.startedInSeconds,
    stop() {
      stopping ??= (async () => {
        // Hold the event loop open until the supervisor has cleaned up.
        child.ref();
        child.kill('SIGTERM');
        await exited;
      })();
      return stopping;
    },
    async restartApiServer() {
      child.kill('SIGUSR1');
      const next = await events.next();
      if (next.event !== 'apiserver-restarted') {
        throw new ClusterStartError(
          next.event === 'failed' ? next.message : `unexpected supervisor event ${next.event}`,
          next.event === 'failed' ? { component: next.component, log: next.log } : {},
        );
      }
    },
  };
}

/** Reads supervisor events from stdout in order. */
function eventStream(child: ChildProcess): { next(): Promise<SupervisorEvent> } {
  const queue: SupervisorEvent[] = [];
  const waiters: ((e: SupervisorEvent) => void)[] = [];
  if (child.stdout === null) throw new Error('supervisor stdout is not a pipe');
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = parseEvent(line);
    if (event === undefined) return;
    const waiter = waiters.shift();
    if (waiter) waiter(event);
    else queue.push(event);
  });
  return {
    next: () => {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

function startError(
  event: SupervisorEvent | undefined,
  exitCode: number,
  stderrTail: readonly string[],
  dir: string,
): ClusterStartError {
  if (event?.event === 'failed') {
    const where = event.log === undefined ? '' : `; its log is ${event.log}`;
    const logTail = event.logTail === undefined || event.logTail === '' ? '' : `\n--- last log lines ---\n${event.logTail}`;
    const who = event.component === undefined ? 'the local cluster failed to start' : `${event.component} failed`;
    return new ClusterStartError(`${who}: ${event.message}${where}${logTail}`, {
      component: event.component,
      log: event.log,
      exitCode,
    });
  }
  const reason = stderrTail.filter((l) => l.trim() !== '').slice(-5).join('\n');
  return new ClusterStartError(
    `the local cluster supervisor exited with code ${exitCode} before it was ready (state in ${dir}):\n${reason}`,
    { exitCode },
  );
}

/** Starts a cluster that keeps running after this process exits. */
export async function startDetachedCluster(opts: StartOptions & { readonly dir: string }): Promise<ClusterState> {
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });
  const outPath = path.join(opts.dir, 'supervisor.out');
  const errPath = path.join(opts.dir, 'supervisor.log');
  const out = openSync(outPath, 'w', 0o600);
  const err = openSync(errPath, 'w', 0o600);
  const child = spawn(opts.binary, supervisorArgs(opts.dir, opts, []), {
    detached: true,
    stdio: ['ignore', out, err],
  });
  closeSync(out);
  closeSync(err);
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => { resolve(code ?? 1); }));
  child.unref();
  const deadline = Date.now() + (opts.timeoutSeconds ?? 120) * 1000 + 10_000;
  for (;;) {
    const events = (await readFile(outPath, 'utf8')).split('\n').map(parseEvent);
    const last = events.find((e) => e?.event === 'ready' || e?.event === 'failed');
    if (last?.event === 'ready') return last;
    if (last?.event === 'failed') {
      // The child is unref'd; without this nothing may keep the loop alive until it exits.
      child.ref();
      const code = await exited;
      const tail = (await readFile(errPath, 'utf8')).trim().split('\n').slice(-3);
      throw startError(last, code, tail, opts.dir);
    }
    const code = await Promise.race([exited, delay(200).then(() => undefined)]);
    if (code !== undefined) {
      const tail = (await readFile(errPath, 'utf8')).trim().split('\n');
      throw startError(undefined, code, tail, opts.dir);
    }
    if (Date.now() > deadline) {
      throw new ClusterStartError(`the local cluster did not report ready in time; see ${errPath}`, {});
    }
  }
}

export type StopOutcome = 'stopped' | 'not-running';

/**
 * Stops the cluster whose state lives in dir and removes the directory.
 * Components that outlived a dead supervisor are killed by their recorded pids.
 */
export async function stopCluster(dir: string, graceSeconds = 60): Promise<StopOutcome> {
  const supervisor = await readPid(path.join(dir, 'supervisor.pid'));
  const state = await readState(dir);
  let outcome: StopOutcome = 'not-running';
  if (supervisor !== undefined && isAlive(supervisor)) {
    outcome = 'stopped';
    process.kill(supervisor, 'SIGTERM');
    const deadline = Date.now() + graceSeconds * 1000;
    while (isAlive(supervisor) && Date.now() < deadline) await delay(100);
    if (isAlive(supervisor)) process.kill(supervisor, 'SIGKILL');
  }
  for (const component of Object.values(state?.components ?? {})) {
    if (isAlive(component.pid)) {
      outcome = 'stopped';
      process.kill(component.pid, 'SIGKILL');
    }
  }
  await rm(dir, { recursive: true, force: true });
  return outcome;
}

export async function readState(dir: string): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

async function readPid(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(file, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True while a process with this pid exists (and is not a zombie we can see). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    // /proc/<pid>/stat: "pid (comm) S ..." — the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z';
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
