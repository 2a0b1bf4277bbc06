import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { newClusterDownCommand } from './down.js';
import { newClusterUpCommand } from './up.js';

export function newClusterCommand(ctx: CliContext): Command {
  return new Command('cluster')
    .description('Manage the local Kubernetes cluster used for development, tests and the demo')
    .addCommand(newClusterUpCommand(ctx))
    .addCommand(newClusterDownCommand(ctx));
}
