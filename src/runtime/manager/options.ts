// The manager's options, parsed from Flux's flag names so a Flux deployment's
// arguments carry over unchanged.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { LogLevel } from '../log/logger.js';
import { parseDuration } from './duration.js';

export interface ManagerOptions {
  readonly metricsAddr: string;
  readonly healthAddr: string;
  readonly concurrent: number;
  readonly kubeApiQps: number;
  readonly kubeApiBurst: number;
  /** Watch every namespace (true) or only `runtimeNamespace`. */
  readonly watchAllNamespaces: boolean;
  readonly runtimeNamespace: string;
  /** Label selector of the objects this instance owns (sharding). */
  readonly watchLabelSelector: string | undefined;
  readonly leaderElection: {
    readonly enabled: boolean;
    readonly leaseDurationMs: number;
    readonly renewDeadlineMs: number;
    readonly retryPeriodMs: number;
    readonly releaseOnCancel: boolean;
  };
  readonly minRetryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly intervalJitterPercentage: number;
  readonly gracefulShutdownTimeoutMs: number;
  readonly eventsAddr: string | undefined;
  readonly logLevel: LogLevel;
  readonly kubeconfig: string | undefined;
}

function duration(value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError(`"${value}" is not a positive number`);
  return n;
}

function bool(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError(`"${value}" is not true or false`);
}

/** Adds the manager flags (Flux's names and defaults) to a command. */
export function addManagerFlags(cmd: Command, defaults: { concurrent?: number } = {}): Command {
  return cmd
    .addOption(new Option('--metrics-addr <addr>', 'address the /metrics endpoint binds to').default(':8080'))
    .addOption(new Option('--health-addr <addr>', 'address /healthz and /readyz bind to').default(':9440'))
    .addOption(
      new Option('--concurrent <n>', 'reconciles running at once per kind')
        .argParser(positiveInt)
        .default(defaults.concurrent ?? 4),
    )
    .addOption(
      new Option('--kube-api-qps <qps>', 'API server requests per second')
        .argParser(positiveNumber)
        .default(50),
    )
    .addOption(
      new Option('--kube-api-burst <n>', 'API server request burst').argParser(positiveInt).default(300),
    )
    .addOption(
      new Option('--watch-all-namespaces [bool]', 'watch every namespace, or only the runtime namespace')
        .argParser(bool)
        .default(true),
    )
    .addOption(
      new Option(
        '--watch-label-selector <selector>',
        'only reconcile objects matching this label selector (sharding)',
      ),
    )
    .addOption(
      new Option('--enable-leader-election [bool]', 'run only one active instance through a Lease')
        .argParser(bool)
        .default(false),
    )
    .addOption(
      new Option('--leader-election-lease-duration <d>', 'lease duration')
        .argParser(duration)
        .default(35_000, '35s'),
    )
    .addOption(
      new Option('--leader-election-renew-deadline <d>', 'renew deadline')
        .argParser(duration)
        .default(30_000, '30s'),
    )
    .addOption(
      new Option('--leader-election-retry-period <d>', 'retry period')
        .argParser(duration)
        .default(5_000, '5s'),
    )
    .addOption(
      new Option('--leader-election-release-on-cancel [bool]', 'release the lease on shutdown')
        .argParser(bool)
        .default(true),
    )
    .addOption(
      new Option('--min-retry-delay <d>', 'first retry delay after a failure')
        .argParser(duration)
        .default(750, '750ms'),
    )
    .addOption(
      new Option('--max-retry-delay <d>', 'longest retry delay').argParser(duration).default(900_000, '15m'),
    )
    .addOption(
      new Option('--interval-jitter-percentage <p>', 'random spread of reconcile intervals, in percent')
        .argParser((v) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 0 || n >= 100)
            throw new InvalidArgumentError('must be an integer in [0, 100)');
          return n;
        })
        .default(5),
    )
    .addOption(
      new Option('--graceful-shutdown-timeout <d>', 'time in-flight reconciles get to finish on SIGTERM')
        .argParser(duration)
        .default(600_000, '10m'),
    )
    .addOption(
      new Option('--events-addr <url>', 'address Flux events are posted to (notification controller)'),
    )
    .addOption(
      new Option('--log-level <level>', 'minimum log level')
        .choices(['debug', 'info', 'error'])
        .default('info'),
    )
    .addOption(new Option('--log-encoding <encoding>', 'log format').choices(['json']).default('json'))
    .addOption(new Option('--kubeconfig <path>', 'kubeconfig file; in-cluster or $KUBECONFIG when omitted'));
}

/** Reads the parsed flags of a command set up by addManagerFlags. */
export function managerOptionsFrom(cmd: Command, runtimeNamespace: string): ManagerOptions {
  const o = cmd.opts<Record<string, unknown>>();
  if ((o['leaderElectionRenewDeadline'] as number) >= (o['leaderElectionLeaseDuration'] as number)) {
    throw new InvalidArgumentError(
      '--leader-election-renew-deadline must be shorter than --leader-election-lease-duration',
    );
  }
  return {
    metricsAddr: o['metricsAddr'] as string,
    healthAddr: o['healthAddr'] as string,
    concurrent: o['concurrent'] as number,
    kubeApiQps: o['kubeApiQps'] as number,
    kubeApiBurst: o['kubeApiBurst'] as number,
    watchAllNamespaces: o['watchAllNamespaces'] as boolean,
    runtimeNamespace,
    watchLabelSelector: o['watchLabelSelector'] as string | undefined,
    leaderElection: {
      enabled: o['enableLeaderElection'] as boolean,
      leaseDurationMs: o['leaderElectionLeaseDuration'] as number,
      renewDeadlineMs: o['leaderElectionRenewDeadline'] as number,
      retryPeriodMs: o['leaderElectionRetryPeriod'] as number,
      releaseOnCancel: o['leaderElectionReleaseOnCancel'] as boolean,
    },
    minRetryDelayMs: o['minRetryDelay'] as number,
    maxRetryDelayMs: o['maxRetryDelay'] as number,
    intervalJitterPercentage: o['intervalJitterPercentage'] as number,
    gracefulShutdownTimeoutMs: o['gracefulShutdownTimeout'] as number,
    eventsAddr: o['eventsAddr'] as string | undefined,
    logLevel: o['logLevel'] as LogLevel,
    kubeconfig: o['kubeconfig'] as string | undefined,
  };
}
