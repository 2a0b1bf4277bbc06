// What every command needs from the outside world, resolved once by the
// entry point so that no command reads process.env or writes to the console
// directly.
import os from 'node:os';
import { createInterface } from 'node:readline/promises';
import { defaultCacheDir, defaultClusterDir } from '../localcluster/defaults.js';

export interface Output {
  /** Results: what a script would read. */
  out(line: string): void;
  /** Raw text to stdout (YAML documents, help). */
  outWrite(text: string): void;
  /** Progress and diagnostics. */
  err(line: string): void;
  /** Raw text to stderr, without a newline (spinners redraw their line with \r). */
  errWrite(text: string): void;
  /** stderr is a terminal: spinners and colour are allowed (colour also needs NO_COLOR unset). */
  readonly isTTY: boolean;
}

export interface CliContext {
  readonly output: Output;
  readonly cacheDir: string;
  readonly defaultClusterDir: string;
  /** KUBECONFIG as set in the environment, if any. */
  readonly kubeconfigEnv?: string;
  /** The process environment, read only through here (kubeconfig lookup, exec plugins, NO_COLOR). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The user's home directory (~/.kube/config). */
  readonly home: string;
  readonly signal: AbortSignal;
  /** All of stdin (envsubst, `-f -`). */
  readStdin(): Promise<string>;
  /**
   * Asks a yes/no question on the terminal; undefined when stdin is not a terminal, so the
   * caller can say which flag skips the question (e.g. --silent).
   */
  confirm(question: string): Promise<boolean | undefined>;
}

export function contextFromProcess(signal: AbortSignal): CliContext {
  const kubeconfig = process.env['KUBECONFIG'];
  return {
    output: {
      out: (line) => process.stdout.write(`${line}\n`),
      outWrite: (text) => process.stdout.write(text),
      err: (line) => process.stderr.write(`${line}\n`),
      errWrite: (text) => process.stderr.write(text),
      isTTY: process.stderr.isTTY,
    },
    cacheDir: defaultCacheDir(process.env),
    defaultClusterDir: defaultClusterDir(),
    ...(kubeconfig !== undefined && kubeconfig !== '' ? { kubeconfigEnv: kubeconfig } : {}),
    env: process.env,
    home: os.homedir(),
    signal,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    confirm: async (question) => {
      if (!process.stdin.isTTY) return undefined;
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await rl.question(`${question} [y/N] `, { signal });
        return /^y(es)?$/i.test(answer.trim());
      } catch {
        return false;
      } finally {
        rl.close();
      }
    },
  };
}

/** Documented exit codes of the tide CLI. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  portInUse: 3,
  clusterRunning: 4,
  toolchainMissing: 5,
  /** No kubeconfig could be found or read. */
  noCluster: 6,
  /** A wait (--timeout) ran out. */
  timeout: 7,
} as const;

/** An error the CLI reports as one message and an exit code, without a stack. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failure,
  ) {
    super(message);
  }
}
