import { InvalidArgumentError, type Command } from 'commander';

export interface ClusterStartFlags {
  readonly dir?: string;
  readonly port?: number;
  readonly nodes?: number;
  readonly timeout?: number;
}

export function parsePositiveInt(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got '${value}'.`);
    }
    return n;
  };
}

/** Flags shared by `tide cluster up` and the default run. */
export function addClusterStartFlags(cmd: Command): Command {
  return cmd
    .option('--dir <dir>', 'state directory of the cluster')
    .option(
      '--port <port>',
      'loopback port for the apiserver (default: a free port)',
      parsePositiveInt('--port', 1, 65535),
    )
    .option('--nodes <n>', 'number of simulated nodes', parsePositiveInt('--nodes', 1, 100), 1)
    .option(
      '--timeout <seconds>',
      'how long to wait for readiness',
      parsePositiveInt('--timeout', 5, 3600),
      120,
    );
}
