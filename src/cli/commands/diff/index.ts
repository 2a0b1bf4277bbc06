// `tide diff kustomization <name> --path <dir>`: what applying the local folder would
// change in the cluster. Exit status as flux's: 0 no changes, 1 changes, 2 errors.
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { newDiffKustomizationCommand } from './kustomization.js';

export function newDiffCommand(ctx: CliContext): Command {
  return new Command('diff')
    .description('Diff a local build of a Kustomization against the cluster')
    .addCommand(newDiffKustomizationCommand(ctx));
}
