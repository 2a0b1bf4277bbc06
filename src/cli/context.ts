// What every command needs from the outside world, resolved once by the
// entry point so that no command reads process.env or writes to the console
// directly.
import { defaultCacheDir, defaultClusterDir } from '../localcluster/defaults.js';

export interface Output {
  /** Results: what a script would read. */
  out(line: string): void;
  /** Progress and diagnostics. */
  err(line: string): void;
  readonly isTTY: boolean;
}

export interface CliContext {
  readonly output: Output;
  readonly cacheDir: string;
  readonly defaultClusterDir: string;
  /** KUBECONFIG as set in the environment, if any. */
  readonly kubeconfigEnv?: string;
  readonly signal: AbortSignal;
}

export function contextFromProcess(signal: AbortSignal): CliContext {
  const kubeconfig = process.env['KUBECONFIG'];
  return {
    output: {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
      isTTY: process.stderr.isTTY,
    },
    cacheDir: defaultCacheDir(process.env),
    defaultClusterDir: defaultClusterDir(),
    ...(kubeconfig !== undefined && kubeconfig !== '' ? { kubeconfigEnv: kubeconfig } : {}),
    signal,
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
