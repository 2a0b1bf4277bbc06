// The cluster-facing flags every command that talks to Kubernetes shares, with the
// flux CLI's names and defaults (--kubeconfig, --context, -n/--namespace, --timeout),
// and the client they resolve to.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { KubeClient } from '../../runtime/client/client.js';
import { connect } from '../../runtime/client/connect.js';
import {
  KubeConfigError,
  loadDefaultKubeConfig,
  loadKubeConfigFromFile,
  type ResolvedKubeConfig,
} from '../../runtime/client/kubeconfig.js';
import { parseDuration } from '../../runtime/manager/duration.js';
import { CliError, ExitCode, type CliContext } from '../context.js';

/** Flux's default namespace for its own objects and for the sync objects. */
export const DEFAULT_NAMESPACE = 'flux-system';

export interface KubeFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace: string;
  /** Milliseconds. */
  readonly timeout: number;
}

export function durationArg(flag: string) {
  return (value: string): number => {
    try {
      return parseDuration(value);
    } catch {
      throw new InvalidArgumentError(`${flag} takes a duration such as 30s, 5m or 1h, got '${value}'.`);
    }
  };
}

/** Adds --kubeconfig, --context, -n/--namespace and --timeout to a command. */
export function addKubeFlags(cmd: Command, defaults: { timeout?: string } = {}): Command {
  const timeout = defaults.timeout ?? '5m';
  return cmd
    .addOption(new Option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config)'))
    .addOption(new Option('--context <name>', 'kubeconfig context to use (default: its current-context)'))
    .addOption(
      new Option('-n, --namespace <namespace>', 'namespace of the objects').default(DEFAULT_NAMESPACE),
    )
    .addOption(
      new Option('--timeout <duration>', 'how long to wait for the cluster and for results')
        .argParser(durationArg('--timeout'))
        .default(parseDuration(timeout), timeout),
    );
}

/** The kubeconfig the flags name: --kubeconfig, else $KUBECONFIG, ~/.kube/config or in-cluster. */
export function kubeConfigFrom(
  ctx: CliContext,
  flags: Pick<KubeFlags, 'kubeconfig' | 'context'>,
): ResolvedKubeConfig {
  const options = { env: ctx.env, ...(flags.context === undefined ? {} : { context: flags.context }) };
  try {
    if (flags.kubeconfig !== undefined) return loadKubeConfigFromFile(flags.kubeconfig, options);
    return loadDefaultKubeConfig(ctx.env, ctx.home, options);
  } catch (err) {
    if (err instanceof KubeConfigError) {
      throw new CliError(
        `${err.message}\n  Point tide at a cluster with --kubeconfig or KUBECONFIG, or start the local one: tide cluster up`,
        ExitCode.noCluster,
      );
    }
    throw err;
  }
}

export interface Kube {
  readonly client: KubeClient;
  readonly config: ResolvedKubeConfig;
  readonly namespace: string;
  readonly timeoutMs: number;
}

/** Connects with the flags' kubeconfig; the CLI's own limits are generous (it is one user). */
export async function kubeFrom(ctx: CliContext, flags: KubeFlags): Promise<Kube> {
  const config = kubeConfigFrom(ctx, flags);
  const client = await connect(config, { qps: 100, burst: 300, userAgent: 'tide-cli' });
  return { client, config, namespace: flags.namespace, timeoutMs: flags.timeout };
}
