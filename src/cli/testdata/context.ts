// A CliContext for tests: output captured, environment given, no process state read.
import os from 'node:os';
import path from 'node:path';
import type { CliContext } from '../context.js';
import { runProgram } from '../program.js';

export interface CapturedContext extends CliContext {
  /** Everything written to stdout, as one string. */
  stdout(): string;
  stderr(): string;
}

export function testContext(
  opts: {
    readonly env?: Readonly<Record<string, string | undefined>>;
    readonly isTTY?: boolean;
    readonly signal?: AbortSignal;
    readonly cacheDir?: string;
    readonly home?: string;
    /** What stdin holds. */
    readonly stdin?: string;
    /** Answers to confirm(), in order; absent means stdin is not a terminal. */
    readonly answers?: readonly boolean[];
  } = {},
): CapturedContext {
  let out = '';
  let err = '';
  const env = opts.env ?? {};
  const answers = [...(opts.answers ?? [])];
  const kubeconfig = env['KUBECONFIG'];
  return {
    output: {
      out: (line) => (out += `${line}\n`),
      outWrite: (text) => (out += text),
      err: (line) => (err += `${line}\n`),
      errWrite: (text) => (err += text),
      isTTY: opts.isTTY ?? false,
    },
    cacheDir: opts.cacheDir ?? path.join(os.homedir(), '.cache', 'tide'),
    defaultClusterDir: path.join(os.tmpdir(), 'tide-test-cluster'),
    ...(kubeconfig !== undefined && kubeconfig !== '' ? { kubeconfigEnv: kubeconfig } : {}),
    env,
    home: opts.home ?? os.tmpdir(),
    signal: opts.signal ?? new AbortController().signal,
    readStdin: () => Promise.resolve(opts.stdin ?? ''),
    confirm: (question) => {
      err += `${question} [y/N]\n`;
      return Promise.resolve(answers.shift());
    },
    stdout: () => out,
    stderr: () => err,
  };
}

/** Runs `tide <argv>` in-process with a captured context. */
export async function runTide(
  argv: readonly string[],
  opts: Parameters<typeof testContext>[0] = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const ctx = testContext(opts);
  const code = await runProgram(argv, ctx);
  return { code, stdout: ctx.stdout(), stderr: ctx.stderr() };
}
