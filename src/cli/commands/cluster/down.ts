import { Command } from 'commander';
import { stopCluster } from '../../../localcluster/cluster.js';
import type { CliContext } from '../../context.js';

export function newClusterDownCommand(ctx: CliContext): Command {
  return new Command('down')
    .description('Stop the local cluster and remove its state directory')
    .option('--dir <dir>', 'state directory of the cluster')
    .action(async (flags: { dir?: string }) => {
      const dir = flags.dir ?? ctx.defaultClusterDir;
      const outcome = await stopCluster(dir);
      ctx.output.err(
        outcome === 'stopped' ? `stopped the local cluster in ${dir}` : `no cluster was running in ${dir}`,
      );
    });
}
