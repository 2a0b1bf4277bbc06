// `tide build kustomization <name> --path <dir>`: the local folder built exactly as the
// controller would build it for that Kustomization, printed as multi-document YAML.
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { newBuildKustomizationCommand } from './kustomization.js';

export function newBuildCommand(ctx: CliContext): Command {
  return new Command('build')
    .description('Build a Kustomization locally, as the controller would')
    .addCommand(newBuildKustomizationCommand(ctx));
}
