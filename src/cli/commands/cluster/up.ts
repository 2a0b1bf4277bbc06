import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Command } from 'commander';
import { startDetachedCluster } from '../../../localcluster/cluster.js';
import { ClusterStartError, SupervisorExit } from '../../../localcluster/events.js';
import type { CliContext } from '../../context.js';
import { clusterBinary } from './binary.js';
import { startFailure } from './errors.js';
import { addClusterStartFlags, type ClusterStartFlags } from './options.js';

export function newClusterUpCommand(ctx: CliContext): Command {
  return addClusterStartFlags(
    new Command('up').description(
      'Start the local cluster in the background; returns once it is ready and prints the kubeconfig path',
    ),
  ).action(async (flags: ClusterStartFlags) => {
    const binary = await clusterBinary(ctx);
    const dir = flags.dir ?? ctx.defaultClusterDir;
    const existed = existsSync(dir);
    ctx.output.err(`starting the local cluster in ${dir}`);
    const state = await startDetachedCluster({
      binary,
      dir,
      ...(flags.port !== undefined ? { apiserverPort: flags.port } : {}),
      ...(flags.nodes !== undefined ? { nodes: flags.nodes } : {}),
      ...(flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}),
    }).catch(async (err: unknown) => {
      // Keep the logs of a component that failed; otherwise nothing ran, so
      // remove a directory this command created.
      const componentFailed =
        err instanceof ClusterStartError && err.details.exitCode === SupervisorExit.failed;
      if (!existed && !componentFailed) await rm(dir, { recursive: true, force: true });
      throw startFailure(err);
    });
    ctx.output.err(`ready in ${state.startedInSeconds.toFixed(1)}s; apiserver ${state.server}`);
    ctx.output.err(`use it with: export KUBECONFIG=${state.kubeconfig}`);
    ctx.output.err(`stop it with: tide cluster down${flags.dir !== undefined ? ` --dir ${dir}` : ''}`);
    ctx.output.out(state.kubeconfig);
  });
}
