// The default run (`tide` with no command). At this stage it starts the local
// cluster in the foreground and explains how to use it; Ctrl-C stops it.
import { Command } from 'commander';
import { startLocalCluster } from '../../../localcluster/cluster.js';
import type { CliContext } from '../../context.js';
import { clusterBinary } from '../cluster/binary.js';
import { startFailure } from '../cluster/errors.js';
import { addClusterStartFlags, type ClusterStartFlags } from '../cluster/options.js';

interface RunFlags extends ClusterStartFlags {
  readonly exitWhenReady?: boolean;
}

export function newRunCommand(ctx: CliContext): Command {
  return addClusterStartFlags(
    new Command('run').description('Start the local cluster and keep it running until Ctrl-C (the default)'),
  )
    .option('--exit-when-ready', 'stop again as soon as everything is ready (for scripts and tests)')
    .action(async (flags: RunFlags) => {
      const binary = await clusterBinary(ctx);
      ctx.output.err('starting the local Kubernetes cluster…');
      const cluster = await startLocalCluster({
        binary,
        ...(flags.dir !== undefined ? { dir: flags.dir } : {}),
        ...(flags.port !== undefined ? { apiserverPort: flags.port } : {}),
        ...(flags.nodes !== undefined ? { nodes: flags.nodes } : {}),
        ...(flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}),
      }).catch((err: unknown) => {
        throw startFailure(err);
      });
      const lines = [
        `The local cluster is ready (${cluster.startedInSeconds.toFixed(1)}s); apiserver ${cluster.server}.`,
        '',
        'Try it in another terminal:',
        `  export KUBECONFIG=${cluster.kubeconfig}`,
        '  kubectl get nodes',
        '  kubectl create deployment hello --image=nginx --replicas=2 && kubectl get pods -w',
        '',
        `Component logs: ${cluster.dir}/logs`,
        flags.exitWhenReady === true ? 'Stopping (--exit-when-ready).' : 'Press Ctrl-C to stop the cluster.',
      ];
      for (const line of lines) ctx.output.out(line);
      if (flags.exitWhenReady !== true) {
        await new Promise<void>((resolve) => {
          ctx.signal.addEventListener(
            'abort',
            () => {
              resolve();
            },
            { once: true },
          );
        });
        ctx.output.err('stopping the local cluster…');
      }
      await cluster.stop();
    });
}
